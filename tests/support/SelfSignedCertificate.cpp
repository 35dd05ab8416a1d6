#include "SelfSignedCertificate.h"
#include "Poco/Pipe.h"
#include "Poco/Process.h"
#include <cppunit/extensions/HelperMacros.h>

namespace portico::test {

void writeSelfSignedCertificate(const std::string& certificateFile, const std::string& keyFile,
                                const std::string& commonName, const std::string& subjectAltName)
{
    // Run directly, not through a shell: the paths are passed as they are.
    const Poco::Process::Args args{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                   "-nodes", "-days", "1", "-subj", "/CN=" + commonName,
                                   "-addext", "subjectAltName=" + subjectAltName,
                                   "-keyout", keyFile, "-out", certificateFile};
    Poco::Pipe quiet;
    const int code = Poco::Process::launch("openssl", args, nullptr, &quiet, &quiet).wait();
    CPPUNIT_ASSERT_EQUAL_MESSAGE("openssl req", 0, code);
}

} // namespace portico::test
