"""The wire between the judge and a sandbox: frames of JSON and safetensors, decoded defensively.

Both sides import this package and nothing else of each other. `protocol.decode` is the trust
boundary on the judge's side: whatever a sandbox sends is plain data after it, or refused.
"""
