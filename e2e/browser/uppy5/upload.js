// Uppy 5: @uppy/aws-s3 with getUploadParameters, one POST form a file.
import Uppy from "@uppy/core";
import AwsS3 from "@uppy/aws-s3";

const out = document.getElementById("result");
const show = (result) => {
  out.textContent = JSON.stringify(result);
  out.className = "done";
};

const uppy = new Uppy({autoProceed: true});
uppy.use(AwsS3, {
  shouldUseMultipart: false,
  async getUploadParameters(file) {
    const resp = await fetch("/presign", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({name: file.name, type: file.type, size: file.size}),
    });
    if (!resp.ok) throw new Error(await resp.text());
    const {url, fields} = await resp.json();
    return {method: "POST", url, fields};
  },
});
// body.location is S3's Location header: the bucket's CORS must expose it,
// and ETag, without which Uppy 5 never finishes the upload.
uppy.on("upload-success", (file, response) => show({location: response.body.location, etag: response.body.ETag}));
uppy.on("upload-error", (file, err) => show({error: err.message}));

document.getElementById("file").onchange = (event) => {
  for (const file of event.target.files) {
    uppy.addFile({name: file.name, type: file.type, data: file});
  }
};
