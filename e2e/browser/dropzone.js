// Dropzone 6: ask the backend for a form in accept(), add its fields in
// sending(), post to the form's URL.
import Dropzone from "dropzone";

const out = document.getElementById("result");
const show = (result) => {
  out.textContent = JSON.stringify(result);
  out.className = "done";
};
const forms = new Map(); // file -> {url, fields}

const dz = new Dropzone("#dropzone", {
  url: (files) => forms.get(files[0]).url,
  method: "post",
  paramName: "file", // Dropzone appends the file after the fields: S3 needs it last
  maxFilesize: 10, // MiB, checked in the page; the form's content-length-range is the guard
  async accept(file, done) {
    const resp = await fetch("/presign", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({name: file.name, type: file.type, size: file.size}),
    });
    if (!resp.ok) return done(await resp.text());
    forms.set(file, await resp.json());
    done();
  },
});
dz.on("sending", (file, xhr, formData) => {
  for (const [name, value] of Object.entries(forms.get(file).fields)) formData.append(name, value);
});
dz.on("success", (file) => {
  const xml = file.xhr.responseXML;
  show({status: file.xhr.status, key: xml?.getElementsByTagName("Key")[0]?.textContent});
});
dz.on("error", (file, message, xhr) => {
  const xml = xhr?.responseXML;
  show({error: xml ? `${xml.getElementsByTagName("Code")[0]?.textContent}: ${xml.getElementsByTagName("Message")[0]?.textContent}` : String(message)});
});
