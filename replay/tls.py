"""The replay proxy's TLS certificate: one self-signed certificate, minted at start-up, naming
every replayed host (and its www. variant), localhost and 127.0.0.1 (replay/server.py).
"""
from __future__ import annotations

import atexit
import datetime
import ipaddress
import os
import shutil
import tempfile
import threading

_tls_lock = threading.Lock()
_tls_files: dict[tuple, tuple[str, str]] = {}   # host names -> (cert PEM path, key PEM path)


def tls_files(hosts) -> tuple[str, str]:
    """Mint (once per process and host set) a self-signed certificate for `hosts`, their www.
    variants, localhost and 127.0.0.1; return (cert_path, key_path), PEM files in a temp dir."""
    key = tuple(sorted({h.lower() for h in hosts}))
    with _tls_lock:
        if key not in _tls_files:
            _tls_files[key] = _mint_certificate(key)
        return _tls_files[key]


def _mint_certificate(hosts) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names = []
    for host in hosts:
        names += [host, "www." + host]
    # No "*.vn": Scrapy checks the name (without failing) and a wildcard over a bare TLD makes it
    # log "DNS-ID b'*.vn' has too few host components" for every tunnel.
    names += ["localhost"]
    sans = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, hosts[0] if hosts else "localhost"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "newscrawl offline replay"),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        # CA:TRUE so the file can also serve as its own trust anchor (curl --cacert CERT).
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory = tempfile.mkdtemp(prefix="replay-tls-")
    atexit.register(shutil.rmtree, directory, True)
    cert_path = os.path.join(directory, "cert.pem")
    key_path = os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path
