"""The wire between the judge and a sandbox: frames of JSON and safetensors, decoded defensively.

Both sides import this package and nothing else of each other. `protocol.decode` is the trust
boundary on the judge's side: whatever a sandbox sends is plain data after it, or refused.
`messages` defines what each side sends (Request; Ready or NotReady; Success or Failure) and
reads it strictly; `frames` moves the judge's frames against deadlines.
"""
