// Uppy 6: @uppy/aws-s3 with signRequest, one POST form a file.
import Uppy from "@uppy/core";
import AwsS3 from "@uppy/aws-s3";

const out = document.getElementById("result");
const show = (result) => {
  out.textContent = JSON.stringify(result);
  out.className = "done";
};

const uppy = new Uppy({autoProceed: true});
uppy.use(AwsS3, {
  shouldUseMultipart: false, // POST forms are single requests
  // The file's name, proposed to the backend, which picks the real key: Uppy 6
  // refuses a form whose key holds ${filename}.
  generateObjectKey: (file) => file.name,
  async signRequest(request) {
    const resp = await fetch("/presign", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      // Uppy adds no Content-Type to the form: the backend puts one in.
      body: JSON.stringify({name: request.key, type: request.contentType}),
    });
    if (!resp.ok) throw new Error(await resp.text());
    return resp.json(); // {url, fields}
  },
});
uppy.on("upload-success", (file, response) => show({key: response.body.key, location: response.uploadURL}));
uppy.on("upload-error", (file, err) => show({error: err.message}));

document.getElementById("file").onchange = (event) => {
  for (const file of event.target.files) {
    uppy.addFile({name: file.name, type: file.type, data: file});
  }
};
