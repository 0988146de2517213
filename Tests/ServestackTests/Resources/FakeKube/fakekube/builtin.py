"""Defaulting and validation for built-in kinds (the subset an installer meets)."""

import base64
import json

from . import schema as crschema
from . import util
from .util import FieldError

WORKLOADS = {("apps", "deployments"), ("apps", "statefulsets"), ("apps", "daemonsets"), ("apps", "replicasets")}


def _default_container(c):
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    img = c.get("image") or ""
    if "imagePullPolicy" not in c and img:
        tagless = "@" not in img and ":" not in img.rsplit("/", 1)[-1]
        c["imagePullPolicy"] = "Always" if tagless or img.endswith(":latest") else "IfNotPresent"
    for p in c.get("ports") or []:
        if isinstance(p, dict):
            p.setdefault("protocol", "TCP")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        pr = c.get(probe)
        if isinstance(pr, dict):
            pr.setdefault("timeoutSeconds", 1)
            pr.setdefault("periodSeconds", 10)
            pr.setdefault("successThreshold", 1)
            pr.setdefault("failureThreshold", 3)
            if isinstance(pr.get("httpGet"), dict):
                pr["httpGet"].setdefault("scheme", "HTTP")
    for e in c.get("env") or []:
        vf = e.get("valueFrom") if isinstance(e, dict) else None
        if isinstance(vf, dict) and isinstance(vf.get("fieldRef"), dict):
            vf["fieldRef"].setdefault("apiVersion", "v1")


def default_pod_spec(ps):
    if not isinstance(ps, dict):
        return
    ps.setdefault("restartPolicy", "Always")
    ps.setdefault("terminationGracePeriodSeconds", 30)
    ps.setdefault("dnsPolicy", "ClusterFirst")
    ps.setdefault("securityContext", {})
    ps.setdefault("schedulerName", "default-scheduler")
    if "serviceAccountName" in ps and "serviceAccount" not in ps:
        ps["serviceAccount"] = ps["serviceAccountName"]
    for c in (ps.get("containers") or []) + (ps.get("initContainers") or []):
        if isinstance(c, dict):
            _default_container(c)


def qos_class(ps):
    cs = (ps or {}).get("containers") or []
    reqs = [((c.get("resources") or {}).get("requests") or {}, (c.get("resources") or {}).get("limits") or {})
            for c in cs if isinstance(c, dict)]
    if not any(r or lim for r, lim in reqs):
        return "BestEffort"
    for r, lim in reqs:
        for res in ("cpu", "memory"):
            if res not in lim or (res in r and r[res] != lim[res]):
                return "Burstable"
    return "Guaranteed"


def default(r, obj, server, old=None):
    gr = r.gr
    md = obj.setdefault("metadata", {})
    if r.crd:
        if r.schema:
            crschema.normalize(obj, r.schema)
        return
    if gr == ("", "namespaces"):
        labels = md.setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = md.get("name", "")
        spec = obj.setdefault("spec", {})
        spec.setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")
    elif gr == ("", "secrets"):
        obj.setdefault("type", "Opaque")
        sd = obj.pop("stringData", None)
        if isinstance(sd, dict):
            data = obj.setdefault("data", {})
            for k, v in sd.items():
                data[k] = base64.b64encode(str(v).encode()).decode()
    elif gr == ("", "services"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        ospec = (old or {}).get("spec") or {}
        if spec["type"] != "ExternalName":
            if not spec.get("clusterIP"):
                spec["clusterIP"] = ospec.get("clusterIP") or server.sim.alloc_cluster_ip()
            if spec["clusterIP"] != "None":
                spec["clusterIPs"] = [spec["clusterIP"]]
            else:
                spec["clusterIPs"] = ["None"]
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("internalTrafficPolicy", "Cluster")
        spec.setdefault("sessionAffinity", "None")
        oports = {(p.get("port"), p.get("protocol", "TCP")): p for p in ospec.get("ports") or []
                  if isinstance(p, dict)}
        for p in spec.get("ports") or []:
            if not isinstance(p, dict):
                continue
            p.setdefault("protocol", "TCP")
            if "targetPort" not in p and "port" in p:
                p["targetPort"] = p["port"]
            if spec["type"] in ("NodePort", "LoadBalancer") and not p.get("nodePort"):
                op = oports.get((p.get("port"), p.get("protocol")))
                p["nodePort"] = (op or {}).get("nodePort") or server.sim.alloc_node_port()
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        if spec["type"] == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        obj.setdefault("status", {}).setdefault("loadBalancer", {})
    elif gr == ("", "pods"):
        default_pod_spec(obj.setdefault("spec", {}))
        obj["spec"].setdefault("serviceAccountName", "default")
        obj["spec"].setdefault("serviceAccount", obj["spec"]["serviceAccountName"])
        obj["spec"].setdefault("enableServiceLinks", True)
        obj["spec"].setdefault("preemptionPolicy", "PreemptLowerPriority")
        obj["spec"].setdefault("priority", 0)
        st = obj.setdefault("status", {})
        st.setdefault("phase", "Pending")
        st.setdefault("qosClass", qos_class(obj["spec"]))
    elif gr in WORKLOADS:
        spec = obj.setdefault("spec", {})
        if gr != ("apps", "daemonsets"):
            spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        if gr == ("apps", "deployments"):
            spec.setdefault("progressDeadlineSeconds", 600)
            strat = spec.setdefault("strategy", {})
            strat.setdefault("type", "RollingUpdate")
            if strat["type"] == "RollingUpdate":
                ru = strat.setdefault("rollingUpdate", {})
                ru.setdefault("maxUnavailable", "25%")
                ru.setdefault("maxSurge", "25%")
        elif gr == ("apps", "statefulsets"):
            spec.setdefault("podManagementPolicy", "OrderedReady")
            us = spec.setdefault("updateStrategy", {})
            us.setdefault("type", "RollingUpdate")
            if us["type"] == "RollingUpdate":
                us.setdefault("rollingUpdate", {}).setdefault("partition", 0)
            spec.setdefault("persistentVolumeClaimRetentionPolicy",
                            {"whenDeleted": "Retain", "whenScaled": "Retain"})
        elif gr == ("apps", "daemonsets"):
            us = spec.setdefault("updateStrategy", {})
            us.setdefault("type", "RollingUpdate")
            if us["type"] == "RollingUpdate":
                ru = us.setdefault("rollingUpdate", {})
                ru.setdefault("maxUnavailable", 1)
                ru.setdefault("maxSurge", 0)
        tmpl = spec.get("template")
        if isinstance(tmpl, dict):
            tmpl.setdefault("metadata", {}).setdefault("creationTimestamp", None)
            default_pod_spec(tmpl.setdefault("spec", {}))
    elif gr == ("batch", "jobs"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("parallelism", 1)
        spec.setdefault("completions", 1)
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
        uid = md.get("uid", "")
        tmpl = spec.setdefault("template", {})
        if not spec.get("manualSelector") and uid:
            tl = tmpl.setdefault("metadata", {}).setdefault("labels", {})
            tl.setdefault("batch.kubernetes.io/controller-uid", uid)
            tl.setdefault("batch.kubernetes.io/job-name", md.get("name", ""))
            tl.setdefault("controller-uid", uid)
            tl.setdefault("job-name", md.get("name", ""))
            spec.setdefault("selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
        tmpl.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        default_pod_spec(tmpl.setdefault("spec", {}))
    elif gr == ("batch", "cronjobs"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        jt = spec.get("jobTemplate")
        if isinstance(jt, dict):
            jt.setdefault("metadata", {}).setdefault("creationTimestamp", None)
            jtt = (jt.get("spec") or {}).get("template")
            if isinstance(jtt, dict):
                jtt.setdefault("metadata", {}).setdefault("creationTimestamp", None)
            default_pod_spec(((jt.get("spec") or {}).get("template") or {}).get("spec"))
    elif gr in (("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
                ("admissionregistration.k8s.io", "validatingwebhookconfigurations")):
        for wh in obj.get("webhooks") or []:
            if not isinstance(wh, dict):
                continue
            wh.setdefault("matchPolicy", "Equivalent")
            wh.setdefault("namespaceSelector", {})
            wh.setdefault("objectSelector", {})
            wh.setdefault("timeoutSeconds", 10)
            wh.setdefault("failurePolicy", "Fail")
            if gr[1] == "mutatingwebhookconfigurations":
                wh.setdefault("reinvocationPolicy", "Never")
            svc = (wh.get("clientConfig") or {}).get("service")
            if isinstance(svc, dict):
                svc.setdefault("port", 443)
            for rule in wh.get("rules") or []:
                if isinstance(rule, dict):
                    rule.setdefault("scope", "*")
    elif gr == ("apiextensions.k8s.io", "customresourcedefinitions"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("conversion", {"strategy": "None"})
        names = spec.setdefault("names", {})
        if names.get("kind"):
            names.setdefault("singular", names["kind"].lower())
            names.setdefault("listKind", names["kind"] + "List")
        st = obj.setdefault("status", {})
        st.setdefault("acceptedNames", {"plural": "", "kind": ""})
        st.setdefault("conditions", [])
        storage = [v.get("name") for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("storage")]
        stored = st.setdefault("storedVersions", [])
        for s in storage:
            if s not in stored:
                stored.append(s)
    elif gr == ("", "persistentvolumeclaims"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("volumeMode", "Filesystem")
        if "storageClassName" not in spec:
            dsc = server.sim.default_storage_class()
            if dsc:
                spec["storageClassName"] = dsc
        obj.setdefault("status", {}).setdefault("phase", "Pending")
    elif gr == ("", "serviceaccounts"):
        pass
    elif gr == ("policy", "poddisruptionbudgets"):
        pass
    elif gr == ("", "nodes"):
        pass


def _selector_matches_template(spec):
    sel = spec.get("selector")
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not isinstance(sel, dict):
        return True
    return util.selector_match(sel, labels)


def _go_map(d):
    return "map[string]string{%s}" % ", ".join('"%s":"%s"' % (k, v) for k, v in sorted((d or {}).items()))


def validate(r, obj, old, server):
    """Returns a list of FieldError."""
    errs = []
    gr = r.gr
    md = obj.get("metadata") or {}
    ann = md.get("annotations") or {}
    if isinstance(ann, dict):
        size = sum(len(k) + len(str(v)) for k, v in ann.items())
        if size > 262144:
            errs.append(FieldError("TooLong", "metadata.annotations", None, "must have at most 262144 bytes"))
    for k, v in (md.get("labels") or {}).items():
        if not isinstance(v, str):
            errs.append(FieldError("Invalid", "metadata.labels", v, "label values must be strings"))
        elif len(v) > 63:
            errs.append(FieldError("Invalid", "metadata.labels", v, "must be no more than 63 characters"))
    if r.crd:
        if r.schema:
            errs += crschema.validate(obj, r.schema)
        return errs
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    ospec = (old or {}).get("spec") or {}
    if gr in WORKLOADS:
        if not spec.get("selector"):
            errs.append(FieldError("Required", "spec.selector"))
        elif not _selector_matches_template(spec):
            labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
            errs.append(FieldError("Invalid", "spec.template.metadata.labels", None,
                                   "`selector` does not match template `labels`"))
            errs[-1].value = _GoRepr(_go_map(labels))
        if old is not None and ospec.get("selector") and spec.get("selector") != ospec.get("selector"):
            errs.append(FieldError("Invalid", "spec.selector", _GoRepr("v1.LabelSelector{MatchLabels:%s, "
                                                                         "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
                                                                         % _go_map((spec.get("selector") or {})
                                                                                   .get("matchLabels"))),
                                   "field is immutable"))
        errs += _validate_pod_spec(((spec.get("template") or {}).get("spec")), "spec.template.spec")
    elif gr == ("", "pods"):
        errs += _validate_pod_spec(spec, "spec")
    elif gr == ("batch", "jobs"):
        tspec = (spec.get("template") or {}).get("spec") or {}
        if tspec.get("restartPolicy") not in ("Never", "OnFailure"):
            errs.append(FieldError("Required", "spec.template.spec.restartPolicy", None,
                                   'valid values: "OnFailure", "Never"'))
        if old is not None and json.dumps(spec.get("template"), sort_keys=True) != json.dumps(
                ospec.get("template"), sort_keys=True):
            errs.append(FieldError("Invalid", "spec.template", _GoRepr("core.PodTemplateSpec{...}"),
                                   "field is immutable"))
        errs += _validate_pod_spec(tspec, "spec.template.spec")
    elif gr == ("", "services"):
        if spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None" and not spec.get("ports"):
            errs.append(FieldError("Required", "spec.ports"))
        if old is not None and ospec.get("clusterIP") and spec.get("clusterIP") and \
                spec.get("clusterIP") != ospec.get("clusterIP"):
            errs.append(FieldError("Invalid", "spec.clusterIPs[0]",
                                   _GoRepr('[]string{"%s"}' % spec.get("clusterIP")), "may not change once set"))
    elif gr == ("apiextensions.k8s.io", "customresourcedefinitions"):
        names = spec.get("names") or {}
        group = spec.get("group") or ""
        if not group:
            errs.append(FieldError("Required", "spec.group"))
        if not names.get("plural"):
            errs.append(FieldError("Required", "spec.names.plural"))
        if not names.get("kind"):
            errs.append(FieldError("Required", "spec.names.kind"))
        if md.get("name") and names.get("plural") and md["name"] != "%s.%s" % (names.get("plural"), group):
            errs.append(FieldError("Invalid", "metadata.name", md["name"],
                                   'must be spec.names.plural+"."+spec.group'))
        if spec.get("scope") not in ("Namespaced", "Cluster"):
            if not spec.get("scope"):
                errs.append(FieldError("Required", "spec.scope"))
            else:
                errs.append(FieldError("NotSupported", "spec.scope", spec.get("scope"),
                                       'supported values: "Cluster", "Namespaced"'))
        versions = spec.get("versions") or []
        if not versions:
            errs.append(FieldError("Invalid", "spec.versions", _GoRepr("[]apiextensions.CustomResourceDefinitionVersion(nil)"),
                                   "must have exactly one version marked as storage version"))
        elif sum(1 for v in versions if isinstance(v, dict) and v.get("storage")) != 1:
            errs.append(FieldError("Invalid", "spec.versions", _GoRepr("[]apiextensions.CustomResourceDefinitionVersion{...}"),
                                   "must have exactly one version marked as storage version"))
        if old is not None:
            if ospec.get("scope") and spec.get("scope") != ospec.get("scope"):
                errs.append(FieldError("Invalid", "spec.scope", spec.get("scope"), "field is immutable"))
            if ospec.get("group") and group != ospec.get("group"):
                errs.append(FieldError("Invalid", "spec.group", group, "field is immutable"))
            errs += validate_crd_stored_versions(obj)
    elif gr in (("rbac.authorization.k8s.io", "rolebindings"), ("rbac.authorization.k8s.io", "clusterrolebindings")):
        if old is not None and old.get("roleRef") and obj.get("roleRef") != old.get("roleRef"):
            errs.append(FieldError("Invalid", "roleRef", _GoRepr("rbac.RoleRef{APIGroup:\"%s\", Kind:\"%s\", Name:\"%s\"}" % (
                (obj.get("roleRef") or {}).get("apiGroup", ""), (obj.get("roleRef") or {}).get("kind", ""),
                (obj.get("roleRef") or {}).get("name", ""))), "cannot change roleRef"))
    return errs


def validate_crd_stored_versions(crd):
    """status.storedVersions against spec.versions, as the apiserver checks them on every CRD update (spec and
    /status; ValidateCustomResourceDefinitionStoredVersions): it is what refuses dropping a version whose
    objects may still be stored in it."""
    stored = ((crd.get("status") or {}).get("storedVersions")) or []
    if not stored:
        return [FieldError("Invalid", "status.storedVersions", _GoRepr("[]string{}"), "must have at least one stored version")]
    errs = []
    remaining = {v: i for i, v in enumerate(stored)}
    for v in (crd.get("spec") or {}).get("versions") or []:
        if not isinstance(v, dict):
            continue
        if v.get("storage") and v.get("name") not in remaining:
            errs.append(FieldError("Invalid", "status.storedVersions",
                                   _GoRepr("apiextensions.CustomResourceDefinitionVersion{Name:\"%s\", ...}" % v.get("name")),
                                   "must have the storage version " + str(v.get("name"))))
        remaining.pop(v.get("name"), None)
    for v, i in sorted(remaining.items(), key=lambda e: e[1]):
        errs.append(FieldError("Invalid", "status.storedVersions[%d]" % i, v, "must appear in spec.versions"))
    return errs


class _GoRepr(str):
    """A value rendered verbatim (Go %#v style) in 'Invalid value:' messages."""


def _validate_pod_spec(ps, prefix):
    errs = []
    if not isinstance(ps, dict):
        return [FieldError("Required", prefix + ".containers")]
    cs = ps.get("containers")
    if not cs:
        errs.append(FieldError("Required", prefix + ".containers"))
        return errs
    seen = set()
    for i, c in enumerate(cs):
        if not isinstance(c, dict):
            continue
        if not c.get("name"):
            errs.append(FieldError("Required", "%s.containers[%d].name" % (prefix, i)))
        elif c["name"] in seen:
            errs.append(FieldError("Duplicate", "%s.containers[%d].name" % (prefix, i), c["name"]))
        seen.add(c.get("name"))
        if not c.get("image"):
            errs.append(FieldError("Required", "%s.containers[%d].image" % (prefix, i)))
    return errs
