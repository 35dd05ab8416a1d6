#pragma once
/// A certificate for TLS tests, made by `openssl req` (Debian's openssl): self-signed, valid
/// for a day, with an EC P-256 key. Fails the test when openssl does.

#include <string>

namespace portico::test {

/// Writes the certificate (PEM) to `certificateFile` and its key to `keyFile`, for subject CN
/// `commonName` with `subjectAltName` ("DNS:localhost,IP:127.0.0.1"). A client verifying with
/// Poco's X509Certificate::verify reads the CN only when there is no DNS name among the
/// alternative names: for Poco clients of 127.0.0.1, CN 127.0.0.1 and "IP:127.0.0.1".
void writeSelfSignedCertificate(const std::string& certificateFile, const std::string& keyFile,
                                const std::string& commonName, const std::string& subjectAltName);

} // namespace portico::test
