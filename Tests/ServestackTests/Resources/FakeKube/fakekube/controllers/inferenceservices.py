"""kserve-inferenceservice (once a Deployment `kserve-controller-manager` is Available; simplified)."""

from .. import util
from .common import GR_DEPLOY, GR_SVC, get_cond, owner_ref, set_cond


class InferenceServices:
    def _runtime_image(self, ns, fmt):
        st = self.s.store
        cands = [o for o in st.bucket(("serving.kserve.io", "servingruntimes")).values()
                 if o["metadata"].get("namespace") == ns]
        cands += list(st.bucket(("serving.kserve.io", "clusterservingruntimes")).values())
        for rt in cands:
            spec = rt.get("spec") or {}
            if spec.get("disabled"):
                continue
            for f in spec.get("supportedModelFormats") or []:
                if f.get("name") == fmt and f.get("autoSelect", True):
                    cs = spec.get("containers") or [{}]
                    return rt["metadata"]["name"], cs[0].get("image")
        return None, None

    def inference_services(self):
        st = self.s.store
        isvcs = st.bucket(("serving.kserve.io", "inferenceservices"))
        if not isvcs or not self.deployment_available(lambda n: n == "kserve-controller-manager"):
            return
        knative = any(d["metadata"]["name"] == "controller" and d["metadata"].get("namespace") == "knative-serving"
                      for d in st.bucket(GR_DEPLOY).values())
        for key, isvc in list(isvcs.items()):
            md = isvc["metadata"]
            if md.get("deletionTimestamp"):
                continue
            ns, name = md["namespace"], md["name"]
            pred = (isvc.get("spec") or {}).get("predictor") or {}
            mode = (md.get("annotations") or {}).get("serving.kserve.io/deploymentMode") or (
                "Serverless" if knative else "RawDeployment")
            fmt, comp = None, {}
            if isinstance(pred.get("model"), dict):
                comp = pred["model"]
                fmt = (comp.get("modelFormat") or {}).get("name")
            else:
                for k, v in pred.items():
                    if isinstance(v, dict) and k not in ("containers", "tolerations", "affinity", "nodeSelector",
                                                         "model", "logger", "batcher"):
                        fmt, comp = k, v
                        break
            nowts = util.now_ts()
            status = util.deep(isvc.get("status") or {})
            image = None
            if pred.get("containers"):
                image = pred["containers"][0].get("image")
                comp = pred["containers"][0]
            elif fmt:
                _, image = self._runtime_image(ns, fmt)
            if not image:
                msg = "No runtime found to support predictor with model type: {%s <nil>}" % fmt
                for t in ("PredictorReady", "Ready"):
                    status["conditions"] = set_cond(status.get("conditions"), t, "False", "NoSupportingRuntime",
                                                    msg, nowts)
                self.write_status(("serving.kserve.io", "inferenceservices"), isvc, status, "manager")
                continue
            dname = "%s-predictor" % name + ("-00001-deployment" if mode == "Serverless" else "")
            labels = {"serving.kserve.io/inferenceservice": name, "component": "predictor",
                      "app": "isvc.%s-predictor" % name}
            container = {"name": "kserve-container", "image": image}
            for k in ("args", "env", "resources", "command", "ports"):
                if comp.get(k):
                    container[k] = util.deep(comp[k])
            podspec = {"containers": [container]}
            for k in ("nodeSelector", "tolerations", "affinity", "serviceAccountName", "imagePullSecrets"):
                if pred.get(k):
                    podspec[k] = util.deep(pred[k])
            want = {"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": dname, "namespace": ns, "labels": dict(labels),
                                 "ownerReferences": [owner_ref(isvc, self.res(("serving.kserve.io",
                                                                               "inferenceservices"), isvc))]},
                    "spec": {"replicas": int(pred.get("minReplicas", 1) or 1),
                             "selector": {"matchLabels": {"app": labels["app"]}},
                             "template": {"metadata": {"labels": dict(labels)}, "spec": podspec}}}
            dep = st.get(GR_DEPLOY, "%s/%s" % (ns, dname))
            if dep is None:
                dep, err = self.create(GR_DEPLOY, want, "manager")
                if err is not None:
                    status["conditions"] = set_cond(status.get("conditions"), "Ready", "False", "CreateFailed",
                                                    err.message, nowts)
                    self.write_status(("serving.kserve.io", "inferenceservices"), isvc, status, "manager")
                    continue
            svc_name = "%s-predictor" % name
            if st.get(GR_SVC, "%s/%s" % (ns, svc_name)) is None:
                self.create(GR_SVC, {"apiVersion": "v1", "kind": "Service",
                                     "metadata": {"name": svc_name, "namespace": ns, "labels": dict(labels),
                                                  "ownerReferences": want["metadata"]["ownerReferences"]},
                                     "spec": {"selector": {"app": labels["app"]},
                                              "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}},
                            "manager")
            avail = get_cond(dep, "Available") or {}
            ok = avail.get("status") == "True"
            url = "http://%s.%s.example.com" % (name, ns) if mode == "Serverless" else \
                "http://%s-%s.example.com" % (name, ns)
            reason = None if ok else (avail.get("reason") or "PredictorNotReady")
            msg = None if ok else (avail.get("message") or "Predictor is not ready")
            for t in ("IngressReady", "PredictorReady", "Ready"):
                st_ = "True" if ok or t == "IngressReady" else "False"
                status["conditions"] = set_cond(status.get("conditions"), t, st_, None if st_ == "True" else reason,
                                                None if st_ == "True" else msg, nowts)
            status["conditions"] = [{k: v for k, v in c.items() if v is not None} for c in status["conditions"]]
            status["deploymentMode"] = mode
            status["observedGeneration"] = md.get("generation", 1)
            if ok:
                status["url"] = url
                status["address"] = {"url": "http://%s-predictor.%s.svc.cluster.local" % (name, ns)}
                status["components"] = {"predictor": {"url": "http://%s-predictor-%s.example.com" % (name, ns)}}
                status["modelStatus"] = {"transitionStatus": "UpToDate", "states": {
                    "activeModelState": "Loaded", "targetModelState": "Loaded"},
                    "copies": {"failedCopies": 0, "totalCopies": 1}}
            else:
                status["modelStatus"] = {"transitionStatus": "InProgress", "states": {
                    "activeModelState": "Pending", "targetModelState": "Loaded"}}
            self.write_status(("serving.kserve.io", "inferenceservices"), isvc, status, "manager")
