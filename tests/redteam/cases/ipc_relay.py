# attack: leave answers for the next student's sandbox in SysV shared memory, a SysV message
# attack: queue and a bound abstract Unix socket (kernel state that outlives a process)
# exercise: exercise2
# expect: not_attempted
# host: ipc_private
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
import ctypes
import socket

KEY = 0x52544950
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
segment = libc.shmget(KEY, 4096, 0o1666)
if segment >= 0:
    ctypes.memmove(libc.shmat(segment, None, 0), b"relu(x) = x * (x > 0)", 21)
queue = libc.msgget(KEY, 0o1666)
mailbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
mailbox.bind(b"\0grade-relay-{{MARK}}")
print("armed", segment >= 0, queue >= 0, flush=True)
# --- end attack ---
