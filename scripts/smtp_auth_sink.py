#!/usr/bin/python3
"""An SMTP sink that requires STARTTLS and then AUTH (aiosmtpd): for testing SMTP logins.
usage: smtp_auth_sink.py PORT MAILDIR CERT KEY USER PASSWORD [MECHANISM-TO-EXCLUDE...]
Mails land in MAILDIR (Maildir: new/ holds one file per mail). E.g. exclude PLAIN to offer LOGIN only."""
import signal, ssl, sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, cert, key, user, password = sys.argv[1:7]
excluded = sys.argv[7:]


def authenticate(server, session, envelope, mechanism, data):
    ok = (isinstance(data, LoginPassword) and data.login.decode() == user
          and data.password.decode() == password)
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)
controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), tls_context=tls,
                        require_starttls=True, auth_required=True, authenticator=authenticate,
                        auth_exclude_mechanism=excluded)
controller.start()
signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
signal.pause()
