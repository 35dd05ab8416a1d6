// The default number of event loops: the CPUs in porticod's affinity mask, lowered to a cgroup v2
// CPU quota. The cgroup files are written into a temp directory standing for /sys/fs/cgroup.

#include "OneCpuForThisThread.h"
#include "TempDir.h"
#include "event/UsableCpus.h"
#include <cppunit/extensions/HelperMacros.h>
#include <filesystem>
#include <thread>

using portico::affinityCpuCount;
using portico::cgroupCpuLimit;
using portico::cpuMaxLimit;
using portico::usableCpuCount;
using portico::test::OneCpuForThisThread;
using portico::test::TempDir;

namespace {

/// Writes <root><cgroup>/cpu.max.
void writeCpuMax(const TempDir& root, const std::string& cgroup, const std::string& value)
{
    std::filesystem::create_directories(root.path() + cgroup);
    root.write(cgroup.substr(1) + (cgroup == "/" ? "" : "/") + "cpu.max", value);
}

} // namespace

class UsableCpusTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(UsableCpusTest);
    CPPUNIT_TEST(testCpuMaxValues);
    CPPUNIT_TEST(testTheCgroupsOwnLimit);
    CPPUNIT_TEST(testTheTightestAncestorCounts);
    CPPUNIT_TEST(testNoLimitOrNoCgroupV2);
    CPPUNIT_TEST(testTheAffinityMaskIsCounted);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCpuMaxValues()
    {
        CPPUNIT_ASSERT(!cpuMaxLimit("max 100000\n"));
        CPPUNIT_ASSERT_EQUAL(1, cpuMaxLimit("100000 100000\n").value_or(-1));
        // A fraction of a CPU still needs a loop; 1.5 CPUs can keep two busy half the time.
        CPPUNIT_ASSERT_EQUAL(1, cpuMaxLimit("50000 100000").value_or(-1));
        CPPUNIT_ASSERT_EQUAL(2, cpuMaxLimit("150000 100000\n").value_or(-1));
        CPPUNIT_ASSERT_EQUAL(4, cpuMaxLimit("400000 100000").value_or(-1));
        CPPUNIT_ASSERT_EQUAL(3, cpuMaxLimit("25000 10000").value_or(-1));
        for (const char* bad : {"", "\n", "100000", "abc 100000", "100000 abc", "-5 100000", "100000 0", "0 100000",
                                "1e5 100000", "100000 100000 7"})
            CPPUNIT_ASSERT_MESSAGE(std::string("'") + bad + "'", !cpuMaxLimit(bad));
    }

    void testTheCgroupsOwnLimit()
    {
        TempDir root;
        writeCpuMax(root, "/system.slice/portico.service", "300000 100000\n");
        CPPUNIT_ASSERT_EQUAL(3, cgroupCpuLimit(root.path(), "0::/system.slice/portico.service\n").value_or(-1));
        // A hybrid host lists v1 controllers first; only the v2 line ("0::") is read.
        CPPUNIT_ASSERT_EQUAL(3, cgroupCpuLimit(root.path(), "12:cpu,cpuacct:/elsewhere\n4:memory:/x\n"
                                                            "0::/system.slice/portico.service\n")
                                    .value_or(-1));
        // In a container's cgroup namespace the process sits at the root of what it sees.
        TempDir container;
        writeCpuMax(container, "/", "200000 100000\n");
        CPPUNIT_ASSERT_EQUAL(2, cgroupCpuLimit(container.path(), "0::/\n").value_or(-1));
    }

    void testTheTightestAncestorCounts()
    {
        TempDir root;
        writeCpuMax(root, "/kubepods", "max 100000\n");
        writeCpuMax(root, "/kubepods/pod1", "200000 100000\n");
        writeCpuMax(root, "/kubepods/pod1/container", "600000 100000\n");
        CPPUNIT_ASSERT_EQUAL(2, cgroupCpuLimit(root.path(), "0::/kubepods/pod1/container").value_or(-1));
        // The leaf's own limit when it is the tightest.
        writeCpuMax(root, "/kubepods/pod1/container", "100000 100000\n");
        CPPUNIT_ASSERT_EQUAL(1, cgroupCpuLimit(root.path(), "0::/kubepods/pod1/container").value_or(-1));
    }

    void testNoLimitOrNoCgroupV2()
    {
        TempDir root;
        writeCpuMax(root, "/user.slice", "max 100000\n");
        std::filesystem::create_directories(root.path() + "/user.slice/session-1.scope"); // no cpu.max
        CPPUNIT_ASSERT(!cgroupCpuLimit(root.path(), "0::/user.slice/session-1.scope\n"));
        CPPUNIT_ASSERT(!cgroupCpuLimit(root.path(), "4:cpu:/user.slice\n")); // cgroup v1 only
        CPPUNIT_ASSERT(!cgroupCpuLimit(root.path(), ""));
        CPPUNIT_ASSERT(!cgroupCpuLimit(root.path(), "0::\n"));
        // A path that would climb out of the mount is not followed.
        writeCpuMax(root, "/", "100000 100000\n");
        CPPUNIT_ASSERT(!cgroupCpuLimit(root.path() + "/user.slice", "0::/../\n"));
        CPPUNIT_ASSERT(!cgroupCpuLimit(root.path(), "0::user.slice\n"));
    }

    void testTheAffinityMaskIsCounted()
    {
        const int all = affinityCpuCount();
        CPPUNIT_ASSERT(all >= 1);
        CPPUNIT_ASSERT(all <= static_cast<int>(std::thread::hardware_concurrency()));
        CPPUNIT_ASSERT(usableCpuCount() >= 1 && usableCpuCount() <= all);
        {
            OneCpuForThisThread pinned;
            CPPUNIT_ASSERT_EQUAL(1, affinityCpuCount());
            CPPUNIT_ASSERT_EQUAL(1, usableCpuCount());
        }
        CPPUNIT_ASSERT_EQUAL(all, affinityCpuCount());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UsableCpusTest);
