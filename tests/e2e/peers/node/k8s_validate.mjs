// Validates the manifests `wsyaml k8s` printed (standard input, a YAML stream) against the
// Kubernetes API's OpenAPI schemas with kubernetes-models, then prints them as one JSON array.
// Exit 1 with the validator's message when an object is invalid or of an unexpected kind.
import fs from "fs";
import { parseAllDocuments } from "yaml";
import { ConfigMap } from "kubernetes-models/v1";
import { Job } from "kubernetes-models/batch/v1";

const models = { "v1/ConfigMap": ConfigMap, "batch/v1/Job": Job };
const documents = parseAllDocuments(fs.readFileSync(0, "utf8"));
const objects = [];
for (const document of documents) {
  if (document.errors.length > 0) {
    console.error("not valid YAML: " + document.errors[0].message);
    process.exit(1);
  }
  const object = document.toJSON();
  if (object === null) continue;
  const Model = models[object.apiVersion + "/" + object.kind];
  if (!Model) {
    console.error("unexpected object " + object.apiVersion + "/" + object.kind);
    process.exit(1);
  }
  try {
    new Model(object).validate();
  } catch (e) {
    console.error(object.kind + " " + object.metadata.name + " is invalid: " + e.message);
    process.exit(1);
  }
  objects.push(object);
}
console.log(JSON.stringify(objects));
