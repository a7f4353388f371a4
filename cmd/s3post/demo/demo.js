// The demo's page: it asks the demo's backend for a presigned form
// (GET /form), posts each file to S3 with it, shows S3's answer in words,
// and lists the bucket (GET /objects). Plain JavaScript, no dependencies.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const typeNames = { "": "any type", "image/": "images", "text/": "text files" };
  let current = null; // the answer of /form: {form, policy, maxSize, typePrefix, endpoint, bucket}

  // formatSize prints a byte count as s3post does: "25 B", "1.5 MiB".
  function formatSize(n) {
    if (n < 1024) return n + " B";
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let v = n / 1024, i = 0;
    while (v >= 1023.95 && i < units.length - 1) { v /= 1024; i++; }
    return v.toFixed(1) + " " + units[i];
  }

  // sizePair prints a size and a limit, in bytes when they would print
  // the same in a larger unit.
  function sizePair(size, limit) {
    const a = formatSize(size), b = formatSize(limit);
    return a === b ? [size + " bytes", limit + " bytes"] : [a, b];
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  // The form. A backend hands out a fresh one whenever the page needs it;
  // this one lasts an hour, and the page asks again when it is about to
  // expire or when the accepted type changes.
  async function loadForm() {
    const resp = await fetch("/form?type=" + encodeURIComponent($("type").value));
    if (!resp.ok) throw new Error("the demo could not sign a form: " + (await resp.text()));
    current = await resp.json();
    showForm(current);
    return current;
  }

  async function freshForm() {
    if (!current || current.typePrefix !== $("type").value || Date.parse(current.form.expires) - Date.now() < 5 * 60 * 1000) {
      return loadForm();
    }
    return current;
  }

  function showForm(f) {
    $("endpoint").textContent = f.endpoint;
    $("bucket").textContent = f.bucket;
    $("max-size").textContent = formatSize(f.maxSize);
    $("form-url").textContent = f.form.url;
    $("form-expires").textContent = new Date(f.form.expires).toLocaleString();
    const body = $("fields").tBodies[0];
    body.replaceChildren();
    for (const [name, value] of Object.entries(f.form.fields)) {
      body.append(el("tr", {}, el("td", {}, name), el("td", {}, value)));
    }
    $("policy").textContent = f.policy;
    $("form-json").textContent = JSON.stringify(f.form, null, 2);
    $("files").accept = f.typePrefix ? f.typePrefix + "*" : "";
    $("hint").textContent = "Several at once are fine: each is posted with the same signed form. This form takes " +
      typeNames[f.typePrefix] + " up to " + formatSize(f.maxSize) + ".";
  }

  // check returns why S3 would refuse file with the form f, or "".
  function check(file, f) {
    if (file.size > f.maxSize) {
      const [size, limit] = sizePair(file.size, f.maxSize);
      return "Not sent: the file is " + size + ", over the " + limit + " that this form takes.";
    }
    const type = fileType(file);
    if (!type.startsWith(f.typePrefix)) {
      return "Not sent: its type is " + type + ", and this form takes " + typeNames[f.typePrefix] +
        " only (a type starting with \u201c" + f.typePrefix + "\u201d).";
    }
    return "";
  }

  function fileType(file) {
    return file.type || "application/octet-stream";
  }

  // describe turns S3's XML error document into words for the person who
  // uploads, and a line with what S3 said, for the developer.
  function describe(status, text, file, f) {
    const doc = new DOMParser().parseFromString(text || "", "application/xml");
    const root = doc.documentElement;
    if (!root || root.nodeName !== "Error") {
      return ["S3 refused the upload with HTTP " + status + ".", text ? text.slice(0, 300) : ""];
    }
    const get = (name) => { const n = root.getElementsByTagName(name)[0]; return n ? n.textContent : ""; };
    const code = get("Code"), message = get("Message");
    const details = [];
    for (const n of root.children) {
      if (!["Code", "Message", "RequestId", "HostId"].includes(n.nodeName)) details.push(n.nodeName + ": " + n.textContent);
    }
    const said = "S3 said " + status + " " + code + ": " + message + (details.length ? " (" + details.join(", ") + ")" : "");
    let words;
    switch (code) {
      case "EntityTooLarge": {
        const [size, limit] = sizePair(Number(get("ProposedSize")) || file.size, Number(get("MaxSizeAllowed")) || f.maxSize);
        words = "S3 refused the file: it is " + size + ", over the " + limit + " that the form allows.";
        break;
      }
      case "EntityTooSmall":
        words = "S3 refused the file: it is smaller than the form allows.";
        break;
      case "AccessDenied":
        if (/Policy expired/i.test(message)) {
          words = "S3 refused the file: the form has expired. Reload the page to get a fresh one.";
        } else if (/Policy Condition failed/i.test(message) && /\$content-type/i.test(message)) {
          words = "S3 refused the file: its type, " + fileType(file) + ", is not one the form allows (" +
            typeNames[f.typePrefix] + ", a type starting with \u201c" + f.typePrefix + "\u201d).";
        } else if (/Policy Condition failed/i.test(message)) {
          words = "S3 refused the file: a field of the upload does not meet the form's policy.";
        } else if (/Extra input fields/i.test(message)) {
          words = "S3 refused the file: the upload has a field that the form's policy does not name.";
        } else {
          words = "S3 refused the file: access denied.";
        }
        break;
      case "SignatureDoesNotMatch":
      case "InvalidAccessKeyId":
        words = "S3 refused the file: the form's signature or key is not valid here.";
        break;
      default:
        words = "S3 refused the file (" + code + ").";
    }
    return [words, said];
  }

  function addRow(file) {
    const status = el("span", { class: "status" }, "Waiting\u2026");
    const bar = el("progress", { max: "100", value: "0" });
    const li = el("li", { "data-name": file.name },
      el("span", { class: "name" }, file.name + " ", el("span", { class: "size" }, formatSize(file.size))),
      bar, status);
    $("queue").prepend(li);
    return {
      progress(fraction) { bar.value = Math.round(fraction * 100); status.textContent = "Sending\u2026 " + bar.value + "%"; },
      done(text) { li.className = "done"; bar.value = 100; status.textContent = text; },
      refused(text, detail) {
        li.className = "refused";
        bar.hidden = true;
        status.replaceChildren(text);
        if (detail) status.append(el("span", { class: "detail" }, detail));
      },
    };
  }

  // upload posts file with the form f: its fields, the file's type, then
  // the file, which S3 needs last.
  function upload(file, f, row) {
    return new Promise((resolve) => {
      const data = new FormData();
      for (const [name, value] of Object.entries(f.form.fields)) data.append(name, value);
      data.append("Content-Type", fileType(file));
      data.append("file", file);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", f.form.url);
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) row.progress(e.loaded / e.total); };
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          const key = xhr.responseXML && xhr.responseXML.getElementsByTagName("Key")[0];
          row.done("Uploaded as " + (key ? key.textContent : file.name) + ".");
          refreshObjects();
        } else {
          const [words, said] = describe(xhr.status, xhr.responseText, file, f);
          row.refused(words, said);
        }
        resolve();
      };
      xhr.onerror = () => {
        row.refused("The connection to S3 failed before it answered.",
          "S3 closes the connection on some refused uploads, such as a file far over the size limit; or the endpoint has stopped.");
        resolve();
      };
      row.progress(0);
      xhr.send(data);
    });
  }

  async function send(files) {
    if (files.length === 0) return;
    let f;
    try {
      f = await freshForm();
    } catch (err) {
      $("hint").textContent = String(err.message || err);
      return;
    }
    const sending = [];
    for (const file of files) {
      const row = addRow(file);
      const problem = $("check").checked ? check(file, f) : "";
      if (problem) {
        row.refused(problem, "Checked in the page, before sending: S3 would refuse it. Uncheck \u201ccheck files in the page\u201d to see S3's own answer.");
        continue;
      }
      sending.push(upload(file, f, row));
    }
    await Promise.all(sending);
  }

  async function refreshObjects() {
    const resp = await fetch("/objects");
    if (!resp.ok) return;
    const objects = await resp.json();
    objects.sort((a, b) => b.modified.localeCompare(a.modified) || a.key.localeCompare(b.key));
    const body = $("objects").tBodies[0];
    body.replaceChildren();
    for (const o of objects) {
      const thumb = el("div", { class: "thumb" });
      if (o.type.startsWith("image/")) {
        thumb.append(el("img", { src: o.url, alt: "", loading: "lazy" }));
      } else {
        const dot = o.key.lastIndexOf(".");
        thumb.textContent = dot > 0 && o.key.length - dot <= 6 ? o.key.slice(dot + 1).toUpperCase() : "FILE";
      }
      body.append(el("tr", { "data-key": o.key },
        el("td", {}, thumb),
        el("td", {}, el("a", { href: o.url, target: "_blank", rel: "noopener" }, o.key)),
        el("td", { class: "num" }, formatSize(o.size)),
        el("td", {}, o.type),
        el("td", {}, new Date(o.modified).toLocaleTimeString())));
    }
    $("objects").hidden = objects.length === 0;
    $("empty").hidden = objects.length > 0;
  }

  // Choosing and dropping files.
  $("files").addEventListener("change", (e) => {
    send(Array.from(e.target.files));
    e.target.value = ""; // so that the same file can be chosen again
  });
  const drop = $("drop");
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, (e) => { e.preventDefault(); drop.classList.remove("over"); });
  }
  drop.addEventListener("drop", (e) => send(Array.from(e.dataTransfer.files)));
  // A file dropped beside the zone would make the browser open it.
  for (const name of ["dragover", "drop"]) window.addEventListener(name, (e) => e.preventDefault());
  $("type").addEventListener("change", () => loadForm().catch((err) => { $("hint").textContent = String(err.message || err); }));

  loadForm().then(() => { document.body.dataset.ready = "true"; }, (err) => { $("hint").textContent = String(err.message || err); });
  refreshObjects();
})();
