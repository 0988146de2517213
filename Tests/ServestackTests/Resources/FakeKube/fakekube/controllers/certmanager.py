"""cert-manager (once a Deployment `cert-manager` is Available): Issuers and ClusterIssuers Ready (ACME ones
fail: no network), Certificates get their TLS Secret and Ready=True.
"""

import time

from .. import util
from .common import CM, cond_true, fake_pem, set_cond


class CertManager:
    def cert_manager(self):
        st = self.s.store
        if not self.deployment_available(lambda n: n == "cert-manager"):
            return
        nowts = util.now_ts()
        for gr in ((CM, "issuers"), (CM, "clusterissuers")):
            for key, iss in list(st.bucket(gr).items()):
                spec = iss.get("spec") or {}
                if "acme" in spec:
                    want = ("False", "ErrRegisterACMEAccount", "Failed to register ACME account: Get \"%s\": dial "
                            "tcp: lookup %s: no such host" % ((spec["acme"] or {}).get("server", ""),
                                                             ((spec["acme"] or {}).get("server", "").split("/") + ["", "", ""])[2]))
                elif "ca" in spec:
                    sec_ns = iss["metadata"].get("namespace") or "cert-manager"
                    ok = st.get(("", "secrets"), "%s/%s" % (sec_ns, (spec["ca"] or {}).get("secretName"))) is not None
                    want = ("True", "KeyPairVerified", "Signing CA verified") if ok else (
                        "False", "ErrGetKeyPair", "Error getting keypair for CA issuer: secret \"%s\" not found" %
                        (spec["ca"] or {}).get("secretName"))
                else:
                    want = ("True", "IsReady", "")
                status = util.deep(iss.get("status") or {})
                status["conditions"] = set_cond(status.get("conditions"), "Ready", want[0], want[1], want[2], nowts,
                                                {"observedGeneration": iss["metadata"].get("generation", 1)})
                self.write_status(gr, iss, status, "cert-manager-issuers")
        for key, cert in list(st.bucket((CM, "certificates")).items()):
            spec = cert.get("spec") or {}
            md = cert["metadata"]
            ns = md["namespace"]
            ref = spec.get("issuerRef") or {}
            if ref.get("group", CM) != CM:
                continue
            if ref.get("kind", "Issuer") == "ClusterIssuer":
                iss = st.get((CM, "clusterissuers"), ref.get("name", ""))
            else:
                iss = st.get((CM, "issuers"), "%s/%s" % (ns, ref.get("name", "")))
            sec_name = spec.get("secretName")
            if not sec_name:
                continue
            status = util.deep(cert.get("status") or {})
            if iss is None or not cond_true(iss, "Ready"):
                status["conditions"] = set_cond(status.get("conditions"), "Ready", "False", "DoesNotExist" if iss is None
                                                else "Pending", 'Issuing certificate as Secret does not exist',
                                                nowts, {"observedGeneration": md.get("generation", 1)})
                self.write_status((CM, "certificates"), cert, status, "cert-manager-certificates-readiness")
                continue
            sec = st.get(("", "secrets"), "%s/%s" % (ns, sec_name))
            if sec is None:
                seed = md["uid"]
                ca = fake_pem("CERTIFICATE", "ca" + seed)
                self.create(("", "secrets"), {
                    "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                    "metadata": {"name": sec_name, "namespace": ns,
                                 "labels": {"controller.cert-manager.io/fao": "true"},
                                 "annotations": {"cert-manager.io/certificate-name": md["name"],
                                                 "cert-manager.io/issuer-name": ref.get("name", ""),
                                                 "cert-manager.io/issuer-kind": ref.get("kind", "Issuer"),
                                                 "cert-manager.io/issuer-group": ref.get("group", ""),
                                                 "cert-manager.io/common-name": spec.get("commonName", ""),
                                                 "cert-manager.io/alt-names": ",".join(spec.get("dnsNames") or [])}},
                    "data": {"ca.crt": util.b64(ca), "tls.crt": util.b64(fake_pem("CERTIFICATE", seed)),
                             "tls.key": util.b64(fake_pem("PRIVATE KEY", seed))}},
                    "cert-manager-certificates-issuing")
                continue
            if not cond_true(cert, "Ready"):
                status["conditions"] = set_cond(status.get("conditions"), "Ready", "True", "Ready",
                                                "Certificate is up to date and has not expired", nowts,
                                                {"observedGeneration": md.get("generation", 1)})
                status["notBefore"] = nowts
                status["notAfter"] = util.now_ts(time.time() + 90 * 86400)
                status["renewalTime"] = util.now_ts(time.time() + 60 * 86400)
                status["revision"] = 1
                self.write_status((CM, "certificates"), cert, status, "cert-manager-certificates-readiness")
                self.event(cert, "Issuing", "The certificate has been successfully issued",
                           component="cert-manager-certificates-issuing")
