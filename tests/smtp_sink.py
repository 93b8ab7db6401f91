"""A real SMTP server for the e-mail tests (aiosmtpd): listens on
127.0.0.1:PORT and writes each message it receives to OUT/NNNN.json, with
its headers and its decoded plain-text and HTML parts. Runs until its
standard input closes.

Usage: python3 smtp_sink.py PORT OUT
"""

import email
import email.policy
import json
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_subtype()] = part.get_content()
        record = {
            "envelope_to": envelope.rcpt_tos,
            "headers": {name: str(value) for name, value in message.items()},
            "text": parts.get("plain", ""),
            "html": parts.get("html", ""),
        }
        path = os.path.join(self.out, "%04d.json" % self.count)
        self.count += 1
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 Message accepted"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
