// The spend ledger in the SQLite store survives kill -9 (SpendDurability.h).

#include "SpendDurability.h"
#include "TempDir.h"
#include <cppunit/extensions/HelperMacros.h>

class SpendDurabilityIntegrationTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SpendDurabilityIntegrationTest);
    CPPUNIT_TEST(testSettledSpendSurvivesKill9);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSettledSpendSurvivesKill9()
    {
        portico::test::TempDir dir;
        portico::auth::test::checkSettledSpendSurvivesKill9(dir, "store = " + dir.file("keys.db") + "\n");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpendDurabilityIntegrationTest);
