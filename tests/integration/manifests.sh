#!/bin/bash
# manifests.sh - the Kubernetes manifests in contrib/kubernetes, read field
# by field and then run as written, as far as a machine without a cluster
# can run them.
#
#   1. parse every manifest (python3-yaml) and check the security
#      contexts against the Pod Security Standards, the volumes that carry
#      the socket, and the ConfigMap that carries the policy;
#   2. the policy in each ConfigMap passes "sockbroker check";
#   3. the sidecar pod, emulated: each container in its own PID and mount
#      namespace, both in one network namespace, with the capabilities,
#      no_new_privs, user, read-only root and volumes its manifest gives,
#      the ConfigMap laid out as the kubelet does (symbolic links into
#      ..data); the application pings and captures through the broker, a
#      ConfigMap update is picked up by "kill -HUP 1" from inside the
#      broker's container, and SIGTERM stops it;
#   4. the DaemonSet, emulated the same way: the broker in the "node's"
#      network namespace, a client pod in its own, reaching the socket
#      through the host directory, gets sockets of the node's namespace.
set -u
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

K8S=$abs_top_srcdir/contrib/kubernetes
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip_all "needs python3"
"$PY" -c 'import yaml' 2>/dev/null || skip_all "needs python3-yaml"

T=$(mktemp -d /tmp/sockbroker-manifests.XXXXXX)
chmod 0755 "$T"
# The broker container runs without CAP_DAC_OVERRIDE, and may not reach
# the checkout.
mkdir -m 0755 "$T/bin"
stage_programs "$T/bin" || skip_all "cannot copy the programs to $T/bin"
NSS=()
PIDS=()
MOUNTS=()

cleanup() {
        local p m n
        for p in "${PIDS[@]}"; do
                kill -KILL "$p" 2>/dev/null
                wait "$p" 2>/dev/null
        done
        for m in "${MOUNTS[@]}"; do
                umount "$m" 2>/dev/null
        done
        for n in "${NSS[@]}"; do
                ip netns del "$n" 2>/dev/null
        done
        rm -rf "$T"
}
trap cleanup EXIT

cat >"$T/k8s.py" <<'EOF'
"""Reads contrib/kubernetes: the checks of manifests.sh, and the facts
its emulation needs, printed as shell assignments."""
import os, posixpath, re, shlex, sys, yaml

# Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards)
BASELINE_CAPS = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                 "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                      "persistentVolumeClaim", "projected", "secret"}
# What sockbrokerd uses (docs/systemd.md), and KILL for "kubectl exec ... kill -HUP 1".
BROKER_CAPS = {"NET_RAW", "SETUID", "SETGID", "SETPCAP", "KILL"}

def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]

def pod_spec(doc):
    if doc["kind"] == "Pod":
        return doc["spec"]
    return doc["spec"]["template"]["spec"]

def all_containers(spec):
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(kind) or []:
            yield c

def sc_field(spec, c, name):
    sc = c.get("securityContext") or {}
    if name in sc:
        return sc[name]
    return (spec.get("securityContext") or {}).get(name)

def violations(spec, level):
    """The controls of the Pod Security Standards these manifests touch."""
    v = []
    for f in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(f):
            v.append(f)
    for vol in spec.get("volumes") or []:
        kinds = set(vol) - {"name"}
        if "hostPath" in kinds:
            v.append("hostPath volume " + vol["name"])
        elif level == "restricted" and not kinds <= RESTRICTED_VOLUMES:
            v.append("volume %s of type %s" % (vol["name"], sorted(kinds)))
    for c in all_containers(spec):
        n = c["name"]
        sc = c.get("securityContext") or {}
        caps = sc.get("capabilities") or {}
        add = set(caps.get("add") or [])
        if sc.get("privileged"):
            v.append(n + ": privileged")
        if add - BASELINE_CAPS:
            v.append("%s: adds %s" % (n, ",".join(sorted(add - BASELINE_CAPS))))
        if any(p.get("hostPort") for p in c.get("ports") or []):
            v.append(n + ": hostPort")
        seccomp = (sc_field(spec, c, "seccompProfile") or {}).get("type")
        if seccomp == "Unconfined":
            v.append(n + ": seccomp Unconfined")
        if sc.get("procMount", "Default") != "Default":
            v.append(n + ": procMount")
        if level != "restricted":
            continue
        if sc.get("allowPrivilegeEscalation") is not False:
            v.append(n + ": allowPrivilegeEscalation is not false")
        if sc_field(spec, c, "runAsNonRoot") is not True:
            v.append(n + ": runAsNonRoot is not true")
        if sc_field(spec, c, "runAsUser") == 0:
            v.append(n + ": runAsUser 0")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            v.append(n + ": no RuntimeDefault or Localhost seccomp profile")
        if "ALL" not in (caps.get("drop") or []):
            v.append(n + ": capabilities not dropped (ALL)")
        if add - {"NET_BIND_SERVICE"}:
            v.append("%s: restricted adds %s" % (n, ",".join(sorted(add - {"NET_BIND_SERVICE"}))))
    return v

def level(spec):
    for lv in ("restricted", "baseline"):
        if not violations(spec, lv):
            return lv
    return "privileged"

def alone(spec, c):
    """The pod as if c were its only container, with only the volumes c mounts."""
    used = {m["name"] for m in c.get("volumeMounts") or []}
    s = dict(spec, initContainers=[], ephemeralContainers=[], containers=[c])
    s["volumes"] = [v for v in spec.get("volumes") or [] if v["name"] in used]
    return s

def args_map(c):
    out = {}
    for a in c.get("args") or []:
        m = re.match(r"--([a-z-]+)=(.*)", a)
        if m:
            out[m.group(1)] = m.group(2)
    return out

def env_map(c):
    return {e["name"]: e.get("value") for e in c.get("env") or []}

def mount_of(c, path):
    """The volume mount under which path lies, and the path inside it."""
    best = None
    for m in c.get("volumeMounts") or []:
        mp = m["mountPath"].rstrip("/")
        if path == mp or path.startswith(mp + "/"):
            if not best or len(mp) > len(best[0]["mountPath"].rstrip("/")):
                best = (m, path[len(mp):].lstrip("/"))
    return best or (None, None)

def volume(spec, name):
    for v in spec.get("volumes") or []:
        if v["name"] == name:
            return v
    return None

class Checks:
    def check(self, desc, cond, why=None):
        print(("ok - " if cond else "not ok - ") + desc)
        if not cond and why:
            print("# " + str(why))

    def diag(self, text):
        print("# " + text)

def find(docs, kind, name=None):
    for d in docs:
        if d["kind"] == kind and (name is None or d["metadata"]["name"] == name):
            return d
    return None

def broker_of(spec):
    for c in all_containers(spec):
        if c["name"] == "sockbroker":
            return c
    return None

def check_broker(t, what, spec, b):
    sc = b.get("securityContext") or {}
    caps = sc.get("capabilities") or {}
    t.check(what + ": the broker starts as uid 0 (runAsUser 0, runAsNonRoot false)",
            sc.get("runAsUser") == 0 and sc.get("runAsNonRoot") is False, sc)
    t.check(what + ": the broker is not privileged and cannot gain privileges",
            sc.get("privileged") is False and sc.get("allowPrivilegeEscalation") is False, sc)
    t.check(what + ": the broker drops ALL and adds " + ",".join(sorted(BROKER_CAPS)),
            caps.get("drop") == ["ALL"] and set(caps.get("add") or []) == BROKER_CAPS
            and len(caps.get("add")) == len(BROKER_CAPS), caps)
    t.check(what + ": the broker has a read-only root and the RuntimeDefault seccomp profile",
            sc.get("readOnlyRootFilesystem") is True
            and (sc_field(spec, b, "seccompProfile") or {}).get("type") == "RuntimeDefault", sc)
    a = args_map(b)
    t.check(what + ": the broker is told its socket, policy and drop-in directory",
            {"socket", "policy", "policy-dir"} <= set(a), b.get("args"))
    probe = (((b.get("startupProbe") or {}).get("exec") or {}).get("command") or [])
    t.check(what + ": its startup probe waits for that socket",
            probe[-2:] == ["-S", a.get("socket")], probe)
    return a

def check_policy_volume(t, what, docs, spec, b, a, ns):
    m, rel = mount_of(b, a.get("policy", ""))
    v = volume(spec, m["name"]) if m else None
    cm = (v or {}).get("configMap")
    t.check(what + ": --policy lies in a ConfigMap volume", bool(cm), m)
    if not cm:
        return
    doc = find(docs, "ConfigMap", cm["name"])
    t.check(what + ": the ConfigMap it names (%s) is in the manifest, in the pod's namespace" % cm["name"],
            doc is not None and doc["metadata"].get("namespace") == ns, cm)
    if doc is None:
        return
    t.check(what + ": the ConfigMap has the key %s" % rel, rel in (doc.get("data") or {}),
            sorted(doc.get("data") or {}))
    t.check(what + ": mounted whole (no subPath, so updates arrive) and read-only",
            "subPath" not in m and m.get("readOnly") is True, m)
    mode = cm.get("defaultMode", 0o644)
    t.check(what + ": its files are not writable by group or others (defaultMode %04o)" % mode,
            mode & 0o022 == 0)
    rules = [l for l in doc["data"].get(rel, "").splitlines() if l.strip() and not l.lstrip().startswith("#")]
    t.check(what + ": every rule says netns=host, so the broker needs neither SYS_ADMIN nor NET_ADMIN",
            rules and all(re.search(r"\snetns=host(\s|$)", l) for l in rules), rules)
    dm, drel = mount_of(b, a.get("policy-dir", ""))
    t.check(what + ": --policy-dir is no ConfigMap key (drop-ins that are symbolic links are refused)",
            not (dm is m and drel.split("/")[0] in (doc.get("data") or {})), drel)
    return doc

def unit_caps(unit):
    with open(unit) as f:
        for line in f:
            if line.startswith("CapabilityBoundingSet="):
                return {c[len("CAP_"):] for c in line.split("=", 1)[1].split()}
    return set()

def cmd_check(k8s, unit):
    t = Checks()
    sidecar = load(os.path.join(k8s, "sidecar.yaml"))
    ds_docs = load(os.path.join(k8s, "daemonset.yaml"))
    client_docs = load(os.path.join(k8s, "daemonset-client.yaml"))
    t.check("sidecar.yaml parses: a ConfigMap and a Pod",
            [d["kind"] for d in sidecar] == ["ConfigMap", "Pod"])
    t.check("daemonset.yaml parses: a Namespace, a ConfigMap and a DaemonSet",
            [d["kind"] for d in ds_docs] == ["Namespace", "ConfigMap", "DaemonSet"])
    t.check("daemonset-client.yaml parses: a Pod", [d["kind"] for d in client_docs] == ["Pod"])

    # ---- the sidecar pod
    pod = find(sidecar, "Pod")
    spec = pod["spec"]
    ns = pod["metadata"].get("namespace")
    b = broker_of(spec)
    apps = [c for c in all_containers(spec) if c is not b]
    t.check("sidecar: the broker is a native sidecar (init container, restartPolicy Always)",
            b is not None and b in (spec.get("initContainers") or []) and b.get("restartPolicy") == "Always")
    t.check("sidecar: there is one application container", len(apps) == 1)
    app = apps[0]
    a = check_broker(t, "sidecar", spec, b)
    # In a container sockbrokerd forks its opener and its broker switches
    # users itself: SETUID and SETGID for that switch, the rest within what
    # the opener's unit allows; KILL for "kubectl exec ... kill -HUP 1".
    extra = set(b["securityContext"]["capabilities"]["add"]) - {"KILL", "SETUID", "SETGID"} - unit_caps(unit)
    t.check("sidecar: the broker's capabilities, but KILL, SETUID and SETGID, are within the opener unit's bounding set",
            not extra, extra)
    v = violations(alone(spec, app), "restricted")
    t.check("sidecar: the application container meets the restricted profile", not v, v)
    asc = app.get("securityContext") or {}
    for f, want in (("runAsNonRoot", True), ("allowPrivilegeEscalation", False),
                    ("privileged", False), ("readOnlyRootFilesystem", True)):
        t.check("sidecar: app securityContext.%s is %s" % (f, str(want).lower()), asc.get(f) is want, asc.get(f))
    t.check("sidecar: app runs as a fixed non-zero uid", isinstance(asc.get("runAsUser"), int) and asc["runAsUser"] > 0)
    t.check("sidecar: app drops ALL capabilities and adds none",
            (asc.get("capabilities") or {}) == {"drop": ["ALL"]}, asc.get("capabilities"))
    t.check("sidecar: app seccompProfile RuntimeDefault",
            (sc_field(spec, app, "seccompProfile") or {}).get("type") == "RuntimeDefault")
    t.check("sidecar: no host namespaces and no hostPath",
            not any(spec.get(f) for f in ("hostNetwork", "hostPID", "hostIPC"))
            and not any("hostPath" in v for v in spec.get("volumes") or []))
    bv = violations(spec, "baseline")
    t.check("sidecar: the pod misses baseline only by the broker's NET_RAW", bv == ["sockbroker: adds NET_RAW"], bv)
    t.diag("sidecar pod: needs the %s level; restricted fails on: %s"
           % (level(spec), "; ".join(violations(spec, "restricted"))))

    bm, brel = mount_of(b, a["socket"])
    env = env_map(app)
    am, arel = mount_of(app, env.get("SOCKBROKER_SOCKET", ""))
    vol = volume(spec, bm["name"]) if bm else None
    t.check("sidecar: the broker's socket lies in an emptyDir", bool(vol and "emptyDir" in vol), vol)
    t.check("sidecar: the app's SOCKBROKER_SOCKET is the same file of the same volume",
            am is not None and bm is not None and am["name"] == bm["name"] and arel == brel,
            (env, am, bm))
    t.check("sidecar: the app mounts it read-only", am is not None and am.get("readOnly") is True)
    cm = check_policy_volume(t, "sidecar", sidecar, spec, b, a, ns)
    if cm:
        uid = asc.get("runAsUser")
        t.check("sidecar: the policy has rules for the app's uid %s" % uid,
                re.search(r"^allow\s+uid=%s\s" % uid, cm["data"][posixpath.basename(a["policy"])], re.M) is not None)
    t.check("sidecar: the pod mounts no service account token", spec.get("automountServiceAccountToken") is False)

    # ---- the DaemonSet
    nsdoc = find(ds_docs, "Namespace")
    ds = find(ds_docs, "DaemonSet")
    dspec = pod_spec(ds)
    nsname = nsdoc["metadata"]["name"]
    labels = nsdoc["metadata"].get("labels") or {}
    t.check("daemonset: its namespace enforces the privileged level it needs",
            labels.get("pod-security.kubernetes.io/enforce") == "privileged" and level(dspec) == "privileged")
    t.check("daemonset: the DaemonSet and its ConfigMap live in that namespace",
            ds["metadata"].get("namespace") == nsname
            and find(ds_docs, "ConfigMap")["metadata"].get("namespace") == nsname)
    t.check("daemonset: selector matches the template's labels",
            ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items())
    t.check("daemonset: host network (the node's interfaces), not the host PID namespace",
            dspec.get("hostNetwork") is True and not dspec.get("hostPID"))
    b2 = broker_of(dspec)
    a2 = check_broker(t, "daemonset", dspec, b2)
    m2, rel2 = mount_of(b2, a2["socket"])
    hp = (volume(dspec, m2["name"]) or {}).get("hostPath") if m2 else None
    t.check("daemonset: the socket lies in a hostPath directory", bool(hp), hp)
    check_policy_volume(t, "daemonset", ds_docs, dspec, b2, a2, nsname)

    # ---- its client
    cpod = client_docs[0]
    cspec = cpod["spec"]
    capp = cspec["containers"][0]
    cv = violations(alone(dict(cspec, volumes=[]), capp), "restricted")
    t.check("daemonset-client: the container's own settings meet the restricted profile", not cv, cv)
    cbv = violations(cspec, "baseline")
    t.check("daemonset-client: the pod misses baseline only by its hostPath", cbv == ["hostPath volume sockbroker-run"], cbv)
    cm3, crel = mount_of(capp, env_map(capp).get("SOCKBROKER_SOCKET", ""))
    chp = (volume(cspec, cm3["name"]) or {}).get("hostPath") if cm3 else None
    t.check("daemonset-client: it mounts the DaemonSet's host directory, read-only, and finds the socket there",
            bool(chp and hp) and chp["path"] == hp["path"] and crel == rel2 and cm3.get("readOnly") is True,
            (chp, hp, crel, rel2))

def q(v):
    return shlex.quote(str(v))

def cmd_emit(k8s, which, root):
    """Shell assignments for the emulation. Container paths under a volume
    mount become paths under root/VOLUME."""
    docs = load(os.path.join(k8s, which))
    d = find(docs, "Pod") or find(docs, "DaemonSet")
    spec = pod_spec(d)
    b = broker_of(spec)
    def host(c, p):
        m, rel = mount_of(c, p)
        return os.path.join(root, m["name"], rel) if m else p
    argv = []
    for x in b.get("args") or []:
        mm = re.match(r"(--[a-z-]+=)(/.*)", x)
        argv.append(mm.group(1) + host(b, mm.group(2)) if mm else x)
    sc = b["securityContext"]
    print("BROKER_ARGS=(%s)" % " ".join(q(x) for x in argv))
    print("BROKER_CAPS=%s" % q(",".join("+" + c.lower() for c in sc["capabilities"]["add"])))
    print("BROKER_NNP=%s" % q("yes" if sc.get("allowPrivilegeEscalation") is False else "no"))
    print("BROKER_RO=%s" % q("yes" if sc.get("readOnlyRootFilesystem") else "no"))
    a = args_map(b)
    print("SOCKET=%s" % q(host(b, a["socket"])))
    print("POLICY=%s" % q(host(b, a["policy"])))
    cmv = volume(spec, mount_of(b, a["policy"])[0]["name"])
    cm = find(docs, "ConfigMap", cmv["configMap"]["name"])
    print("CM_DIR=%s" % q(os.path.join(root, cmv["name"])))
    print("CM_MODE=%s" % q("%o" % cmv["configMap"].get("defaultMode", 0o644)))
    for k, text in (cm.get("data") or {}).items():
        print("CM_KEYS+=(%s)" % q(k))
    apps = [c for c in all_containers(spec) if c is not b]
    if apps:
        app = apps[0]
        asc = app["securityContext"]
        env = env_map(app)
        print("APP_UID=%s APP_GID=%s" % (q(asc["runAsUser"]), q(asc.get("runAsGroup", asc["runAsUser"]))))
        print("APP_SOCKET=%s" % q(host(app, env["SOCKBROKER_SOCKET"])))
        m, _ = mount_of(app, env["SOCKBROKER_SOCKET"])
        print("APP_RO_DIR=%s" % q(os.path.join(root, m["name"]) if m.get("readOnly") else ""))
    for v in spec.get("volumes") or []:
        if "emptyDir" in v:
            print("EMPTYDIRS+=(%s)" % q(os.path.join(root, v["name"])))
        if "hostPath" in v:
            print("HOSTPATHS+=(%s)" % q(os.path.join(root, v["name"])))

def cmd_policy(k8s, out):
    """Writes each ConfigMap key of FILE.yaml to out/policy-FILE.yaml/KEY."""
    for which in sorted(os.listdir(k8s)):
        if not which.endswith(".yaml"):
            continue
        for d in load(os.path.join(k8s, which)):
            if d["kind"] == "ConfigMap":
                os.makedirs(os.path.join(out, "policy-" + which), exist_ok=True)
                for k, text in d["data"].items():
                    p = os.path.join(out, "policy-" + which, k)
                    with open(p, "w") as f:
                        f.write(text)
                    os.chmod(p, 0o644)
                    print(which, p)

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "check":
        cmd_check(sys.argv[2], sys.argv[3])
    elif cmd == "emit":
        cmd_emit(*sys.argv[2:5])
    elif cmd == "policy":
        cmd_policy(sys.argv[2], sys.argv[3])
EOF

tap_lines() {
        local line
        while IFS= read -r line; do
                case $line in
                "ok - "*) ok "${line#ok - }" ;;
                "not ok - "*) not_ok "${line#not ok - }" ;;
                "# "*) diag "${line#\# }" ;;
                *) diag "$line" ;;
                esac
        done
}

# --- 1. the manifests, field by field ---------------------------------------------------
"$PY" "$T/k8s.py" check "$K8S" "$abs_top_srcdir/systemd/sockbroker-opener.service.in" >"$T/check.out" 2>&1
rc=$?
tap_lines <"$T/check.out"
check "the manifest checks ran to the end (rc=$rc)" test "$rc" = 0


# --- 2. the policies in the ConfigMaps ----------------------------------------------------------
# Unprivileged, the copies are not root's, so only their text is
# checked; policy-path.sh tests the ownership and modes.
strict=()
[ "$(id -u)" = 0 ] || strict=(--no-strict)
while read -r f p; do
        out=$("$SOCKBROKER" check "${strict[@]+"${strict[@]}"}" "$p" 2>&1)
        check "the policy in $f ($(basename "$p")) passes sockbroker check" grep -q 'OK:' <<<"$out"
        diag "$out"
done < <("$PY" "$T/k8s.py" policy "$K8S" "$T")

# --- the emulation needs root -------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
        ok "running the manifests # SKIP needs root"
        finish
        exit
fi
for c in ip nsenter unshare setpriv; do
        command -v "$c" >/dev/null || { ok "running the manifests # SKIP needs $c"; finish; exit; }
done
ensure_broker_user
install -m 0755 "$SBTEST" "$T/sbtest"

# The kubelet's layout of a ConfigMap volume: a timestamped directory,
# ..data pointing at it, and each key a symbolic link through ..data.
# Writing it again swaps ..data atomically, as an update does.
configmap_write() {
        local dir=$1 src=$2 mode=$3 ts k
        ts="..$(date +%Y_%m_%d_%H_%M_%S.%N)"
        mkdir -p "$dir/$ts"
        for k in "${CM_KEYS[@]}"; do
                install -m "$mode" "$src/$k" "$dir/$ts/$k"
                [ -L "$dir/$k" ] || ln -s "..data/$k" "$dir/$k"
        done
        ln -s "$ts" "$dir/..data_tmp"
        mv -T "$dir/..data_tmp" "$dir/..data"
}

# start_container NETNS RO_ROOT RO_DIR CAPS NNP UID:GID -- COMMAND...: a
# container as runc makes one: its own PID namespace (COMMAND is PID 1,
# and everything in it dies with the unshare process, which CPID names)
# and mount namespace (root read-only when RO_ROOT=yes, RO_DIR read-only
# when given), the pod's network namespace, the bounding set CAPS (a
# setpriv list), no_new_privs when NNP=yes. Sets CPID to COMMAND's pid.
start_container() {
        local netns=$1 ro=$2 rodir=$3 caps=$4 nnp=$5 ids=$6 u g
        shift 7
        u=${ids%:*}
        g=${ids#*:}
        local ids_args=()
        [ "$u" != 0 ] && ids_args=(--reuid="$u" --regid="$g" --clear-groups)
        local nnp_args=()
        [ "$nnp" = yes ] && nnp_args=(--no-new-privs)
        nsenter --net="/run/netns/$netns" unshare --pid --fork --kill-child --mount --propagation private --mount-proc \
                bash -c '
                        ro=$1 rodir=$2
                        shift 2
                        [ "$ro" = yes ] && mount -o remount,bind,ro /
                        [ -n "$rodir" ] && mount --bind "$rodir" "$rodir" && mount -o remount,bind,ro "$rodir"
                        exec "$@"
                ' sh "$ro" "$rodir" setpriv "${ids_args[@]}" --bounding-set="-all${caps:+,$caps}" \
                --inh-caps=-all "${nnp_args[@]}" "$@" &
        CPID=$!
        PIDS+=("$CPID")
}
# The pid, as this test sees it, of PID 1 of the container started by
# unshare process $1.
container_init() {
        local p=$1 c
        c=$(pgrep -P "$p" | head -n1)
        [ -n "$c" ] && echo "$c"
}

# --- 3. the sidecar pod --------------------------------------------------------------------------------
P=sbkp$$
PEER=sbkq$$
NSS+=("$P" "$PEER")
if ! ip netns add "$P" || ! ip netns add "$PEER"; then
        ok "running the manifests # SKIP no network namespaces"
        finish
        exit
fi
ip -n "$P" link set lo up
ip -n "$P" link add eth0 type veth peer name eth0 netns "$PEER"
ip -n "$P" link set eth0 up
ip -n "$PEER" link set eth0 up

R=$T/pod
mkdir -p "$R"
BROKER_ARGS=() CM_KEYS=() EMPTYDIRS=() HOSTPATHS=()
emitted=$("$PY" "$T/k8s.py" emit "$K8S" sidecar.yaml "$R") || { not_ok "sidecar: the manifest gives what to run"; finish; exit; }
eval "$emitted"
for d in "${EMPTYDIRS[@]}"; do
        # An emptyDir with medium Memory: a tmpfs, mode 0777.
        mkdir -p "$d"
        mount -t tmpfs -o mode=0777,size=1m tmpfs "$d" && MOUNTS+=("$d")
done
configmap_write "$CM_DIR" "$T/policy-sidecar.yaml" "$CM_MODE"
diag "broker: ${BROKER_ARGS[*]} caps=$BROKER_CAPS no_new_privs=$BROKER_NNP read-only root=$BROKER_RO"

start_container "$P" "$BROKER_RO" "" "$BROKER_CAPS" "$BROKER_NNP" 0:0 -- \
        "$SOCKBROKERD" "${BROKER_ARGS[@]}" </dev/null 2>"$T/pod.log"
UNSHARE_B=$CPID
if ! wait_for 10 grep -q 'ready:' "$T/pod.log"; then
        not_ok "sidecar: the broker container starts"
        diag "$(cat "$T/pod.log")"
        finish
        exit
fi
ok "sidecar: the broker container starts, as its manifest says"
B1=$(container_init "$UNSHARE_B")
check "the broker is PID 1 of its container" \
        test "$(awk '/^NSpid:/ { print $NF }' "/proc/$B1/status")" = 1
check "its socket is mode 0666 in the emptyDir" test "$(stat -c %a "$SOCKET")" = 666

# app: every "ok"/"not ok" line it prints becomes a test point.
cat >"$T/app.sh" <<'EOF'
t() { local d=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok - $d"; else echo "not ok - $d"; fi; }
out=$("$SB/sbtest" ping inet/raw/icmp 127.0.0.1 2>&1)
echo "# $out"
t "sidecar: the app (uid $(id -u), no capabilities) pings through the broker" grep -q 'echo reply' <<<"$out"
out=$("$SB/sbtest" open packet/raw/all@eth0 2>&1)
echo "# $out"
t "sidecar: and gets a packet socket on the pod's eth0" grep -q '^granted' <<<"$out"
t "sidecar: the app has no capabilities" grep -q '^CapEff:.0000000000000000$' /proc/self/status
t "sidecar: the socket's directory is read-only for the app" bash -c "! touch '$(dirname "$SOCKBROKER_SOCKET")/x'"
t "sidecar: the app cannot open a raw socket itself" \
        bash -c "! '$PY' -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)' 2>/dev/null"
EOF
chmod 0644 "$T/app.sh"
run_app() {
        start_container "$P" yes "$APP_RO_DIR" "" yes "$APP_UID:$APP_GID" -- \
                env SB="$T" PY="$PY" SOCKBROKER_SOCKET="$APP_SOCKET" bash "$T/app.sh"
        wait "$CPID"
}
tap_lines < <(run_app 2>&1)

# The broker sees the app's pid as 0: they are in different PID
# namespaces, so only uid= and gid= rules can match it.
check "the broker logs the grant; the app's pid is not visible to it (pid=0)" \
        grep -Eq "decision=granted uid=$APP_UID gid=$APP_GID pid=0 unit=(-|n/a) .*request=inet/raw/icmp" "$T/pod.log" ||
        diag "$(grep -m1 'decision=granted' "$T/pod.log")"

# A ConfigMap update, then "kubectl exec pinger -c sockbroker -- kill -HUP 1":
# kill runs in the broker's container, as root with its capabilities.
cat >"$T/policy-sidecar.yaml/policy.conf" <<'P'
allow uid=1000 inet raw proto=icmp netns=host
P
configmap_write "$CM_DIR" "$T/policy-sidecar.yaml" "$CM_MODE"
exec_in_broker() {
        nsenter --target "$B1" --pid --mount \
                setpriv --bounding-set="-all,$1" --inh-caps=-all --no-new-privs "${@:2}"
}
out=$(exec_in_broker "${BROKER_CAPS//,+kill/}" /bin/kill -HUP 1 2>&1)
check "without KILL, kill -HUP 1 in the broker's container is refused" grep -q 'Operation not permitted' <<<"$out"
out=$(exec_in_broker "$BROKER_CAPS" /bin/kill -HUP 1 2>&1)
check "with the manifest's capabilities it is delivered" test -z "$out"
check "the broker loads the updated ConfigMap (generation 2, 1 rule)" \
        wait_for 10 grep -q 'policy generation 2: 1 rule(s)' "$T/pod.log"
out=$(start_container "$P" yes "$APP_RO_DIR" "" yes "$APP_UID:$APP_GID" -- \
        env SOCKBROKER_SOCKET="$APP_SOCKET" "$T/sbtest" open packet/raw/all@eth0; wait "$CPID") 2>&1
check "the packet rule is gone for the app" grep -q 'denied: no rule allows packet/raw/all@eth0' <<<"$out"

kill -TERM "$B1"
wait "$UNSHARE_B"
rc=$?
check "SIGTERM, as the kubelet sends it, stops the broker cleanly (rc=$rc)" \
        bash -c "test $rc = 0 && grep -q 'stopping' '$T/pod.log'"

# --- 4. the DaemonSet and its client ----------------------------------------------------------------------
NODE=sbkn$$
C=sbkc$$
NSS+=("$NODE" "$C")
ip netns add "$NODE"
ip netns add "$C"
ip -n "$NODE" link set lo up
ip -n "$C" link set lo up
# An address only the "node" has: a socket of the node's namespace reaches
# it over loopback; one of the client pod's own namespace could not.
ip -n "$NODE" addr add 10.250.0.1/32 dev lo

R=$T/node
mkdir -p "$R"
BROKER_ARGS=() CM_KEYS=() EMPTYDIRS=() HOSTPATHS=()
unset APP_UID APP_GID APP_SOCKET APP_RO_DIR
emitted=$("$PY" "$T/k8s.py" emit "$K8S" daemonset.yaml "$R") || { not_ok "daemonset: the manifest gives what to run"; finish; exit; }
eval "$emitted"
for d in "${HOSTPATHS[@]}"; do
        # DirectoryOrCreate, bind-mounted: writable under a read-only root.
        mkdir -p "$d"
        mount --bind "$d" "$d" && MOUNTS+=("$d")
done
configmap_write "$CM_DIR" "$T/policy-daemonset.yaml" "$CM_MODE"
start_container "$NODE" "$BROKER_RO" "" "$BROKER_CAPS" "$BROKER_NNP" 0:0 -- \
        "$SOCKBROKERD" "${BROKER_ARGS[@]}" </dev/null 2>"$T/node.log"
CPID_NODE=$CPID
if wait_for 10 grep -q 'ready:' "$T/node.log"; then
        ok "daemonset: the broker starts in the node's network namespace"
        # daemonset-client.yaml: uid 1000, its own network namespace, the
        # host directory mounted read-only.
        client_ro=$(dirname "$SOCKET")
        out=$(start_container "$C" yes "$client_ro" "" yes 1000:1000 -- \
                env SOCKBROKER_SOCKET="$SOCKET" "$T/sbtest" ping inet/raw/icmp 10.250.0.1; wait "$CPID") 2>&1
        check "daemonset: a client pod pings an address only the node has: the socket is the node's" \
                grep -q 'echo reply from 10.250.0.1' <<<"$out"
        diag "$out"
        out=$(nsenter --net="/run/netns/$C" "$PY" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(b"\x08\0\xf7\xff\0\0\0\0", ("10.250.0.1", 0))' 2>&1)
        check "daemonset: (control: from the client pod's own namespace that address is unreachable)" \
                grep -q 'Network is unreachable' <<<"$out"
        kill -TERM "$(container_init "$CPID_NODE")"
        wait "$CPID_NODE"
        check "daemonset: SIGTERM stops it cleanly (rc=$?)" grep -q 'stopping' "$T/node.log"

        # The variant docs/containers.md describes: netns=client, with
        # SYS_ADMIN and NET_ADMIN added; each client pod then gets its
        # sockets in its own network namespace.
        ip -n "$C" addr add 10.251.0.1/32 dev lo
        sed 's/ netns=host//' "$T/policy-daemonset.yaml/policy.conf" >"$T/policy-daemonset.yaml/policy.new"
        mv "$T/policy-daemonset.yaml/policy.new" "$T/policy-daemonset.yaml/policy.conf"
        chmod 0644 "$T/policy-daemonset.yaml/policy.conf"
        configmap_write "$CM_DIR" "$T/policy-daemonset.yaml" "$CM_MODE"
        start_container "$NODE" "$BROKER_RO" "" "$BROKER_CAPS,+sys_admin,+net_admin" "$BROKER_NNP" 0:0 -- \
                "$SOCKBROKERD" "${BROKER_ARGS[@]}" </dev/null 2>"$T/node2.log"
        CPID_NODE=$CPID
        if wait_for 10 grep -q 'ready:' "$T/node2.log"; then
                out=$(start_container "$C" yes "$client_ro" "" yes 1000:1000 -- \
                        env SOCKBROKER_SOCKET="$SOCKET" "$T/sbtest" ping inet/raw/icmp 10.251.0.1; wait "$CPID") 2>&1
                check "daemonset, netns=client with SYS_ADMIN and NET_ADMIN: the client pod's socket is its own" \
                        grep -q 'echo reply from 10.251.0.1' <<<"$out"
                diag "$out"
                kill -TERM "$(container_init "$CPID_NODE")"
                wait "$CPID_NODE"
        else
                not_ok "daemonset, netns=client: the broker starts with SYS_ADMIN and NET_ADMIN"
                diag "$(cat "$T/node2.log")"
        fi
else
        not_ok "daemonset: the broker starts"
        diag "$(cat "$T/node.log")"
fi

finish
