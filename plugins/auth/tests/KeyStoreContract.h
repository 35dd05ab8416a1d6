#pragma once
// What every virtual-key store (VirtualKeyStore.h) must do, run against each: the SQLite store
// in auth_unit, the Redis store in auth_redis_integration. `open` makes a new connection to one
// empty store; two connections are two instances sharing it.

#include "VirtualKeyStore.h"
#include <cppunit/extensions/HelperMacros.h>
#include <functional>
#include <memory>

namespace portico::auth::test {

inline void checkKeyStoreContract(const std::function<std::unique_ptr<VirtualKeyStore>()>& open)
{
    const auto store = open();
    const auto other = open();
    const std::int64_t start = store->revision();
    CPPUNIT_ASSERT(store->list().empty());
    CPPUNIT_ASSERT(!store->find("vk_000000000000000000000000"));

    VirtualKey older;
    older.id = "vk_aaaaaaaaaaaaaaaaaaaaaaaa";
    older.models = {"portico-echo", "gpt-4o*"};
    older.rpm = 60;
    older.tpm = 1000;
    older.maxInFlight = 3;
    older.expiresAt = 1'900'000'000;
    older.createdAt = 1'700'000'000;
    older.budgetMicros = 5'000'000;
    older.budgetPeriod = BudgetPeriod::Week;
    // Metadata as the admin API keeps it (Poco's JSON text), with what a record separator
    // could trip on: escapes, tabs and the unit separator escaped, non-ASCII.
    older.metadata = R"({"team":"a\tb\u001fc","owner":"Zoë","note":"x\u001fy"})";
    VirtualKey newer;
    newer.id = "vk_bbbbbbbbbbbbbbbbbbbbbbbb";
    newer.createdAt = 1'700'000'100;
    const auto olderDigest = KeyStore::digestOf("sk-portico-older-key-0123456789abcdefghijkl");
    const auto newerDigest = KeyStore::digestOf("sk-portico-newer-key-0123456789abcdefghijkl");
    store->insert(newer, newerDigest);
    store->insert(older, olderDigest);
    CPPUNIT_ASSERT(store->revision() != start);
    const std::int64_t afterInserts = other->revision();
    CPPUNIT_ASSERT_EQUAL(store->revision(), afterInserts);

    // The same digest again is refused, and changes nothing.
    VirtualKey copy = newer;
    copy.id = "vk_cccccccccccccccccccccccc";
    CPPUNIT_ASSERT_THROW(store->insert(copy, newerDigest), std::exception);
    CPPUNIT_ASSERT_EQUAL(afterInserts, store->revision());
    CPPUNIT_ASSERT(!store->find(copy.id));

    // Another connection reads what the first wrote, oldest first.
    const auto listed = other->list();
    CPPUNIT_ASSERT_EQUAL(std::size_t(2), listed.size());
    CPPUNIT_ASSERT_EQUAL(older.id, listed[0].id);
    CPPUNIT_ASSERT_EQUAL(newer.id, listed[1].id);
    const auto found = other->find(older.id);
    CPPUNIT_ASSERT(found);
    CPPUNIT_ASSERT(found->models == older.models);
    CPPUNIT_ASSERT_EQUAL(older.rpm, found->rpm);
    CPPUNIT_ASSERT_EQUAL(older.tpm, found->tpm);
    CPPUNIT_ASSERT_EQUAL(older.maxInFlight, found->maxInFlight);
    CPPUNIT_ASSERT_EQUAL(older.expiresAt, found->expiresAt);
    CPPUNIT_ASSERT_EQUAL(older.createdAt, found->createdAt);
    CPPUNIT_ASSERT_EQUAL(std::int64_t(0), found->revokedAt);
    CPPUNIT_ASSERT_EQUAL(older.budgetMicros, found->budgetMicros);
    CPPUNIT_ASSERT(found->budgetPeriod == BudgetPeriod::Week);
    CPPUNIT_ASSERT_EQUAL(older.metadata, found->metadata);
    const auto all = other->loadAll();
    CPPUNIT_ASSERT_EQUAL(std::size_t(2), all.size());
    for (const auto& [digest, key] : all)
        CPPUNIT_ASSERT(digest == (key.id == older.id ? olderDigest : newerDigest));

    // An update writes the policy; the digest, creation and revocation stay.
    VirtualKey changed = older;
    changed.models = {"portico-embed"};
    changed.rpm = 0;
    changed.budgetPeriod = BudgetPeriod::Total;
    changed.metadata = "{}";
    changed.createdAt = 1; // not a policy field: ignored
    CPPUNIT_ASSERT(store->update(changed));
    CPPUNIT_ASSERT(store->revision() != afterInserts);
    auto updated = other->find(older.id);
    CPPUNIT_ASSERT(updated->models == changed.models);
    CPPUNIT_ASSERT_EQUAL(std::int64_t(0), updated->rpm);
    CPPUNIT_ASSERT(updated->budgetPeriod == BudgetPeriod::Total);
    CPPUNIT_ASSERT_EQUAL(std::string("{}"), updated->metadata);
    CPPUNIT_ASSERT_EQUAL(older.createdAt, updated->createdAt);
    VirtualKey missing;
    missing.id = "vk_dddddddddddddddddddddddd";
    CPPUNIT_ASSERT(!store->update(missing));

    // Revoked once; the key stays listed and loaded, revoked.
    const std::int64_t beforeRevoke = store->revision();
    CPPUNIT_ASSERT(store->revoke(older.id, 1'800'000'000));
    CPPUNIT_ASSERT(store->revision() != beforeRevoke);
    CPPUNIT_ASSERT(!store->revoke(older.id, 1'800'000'001));
    CPPUNIT_ASSERT(!store->revoke(missing.id, 1'800'000'000));
    CPPUNIT_ASSERT_EQUAL(std::int64_t(1'800'000'000), other->find(older.id)->revokedAt);
    CPPUNIT_ASSERT(store->update(changed)); // a policy change keeps the revocation
    CPPUNIT_ASSERT_EQUAL(std::int64_t(1'800'000'000), other->find(older.id)->revokedAt);
    CPPUNIT_ASSERT_EQUAL(std::size_t(2), other->loadAll().size());

    // The ledger: entries add up per key, model and day, exactly, also past 2^53.
    const auto entry = [](const std::string& key, const std::string& model, const std::string& day,
                          std::int64_t input, std::int64_t cached, std::int64_t output, std::int64_t pico) {
        SpendEntry e;
        e.keyId = key;
        e.model = model;
        e.day = day;
        e.inputTokens = input;
        e.cachedInputTokens = cached;
        e.outputTokens = output;
        e.costPico = pico;
        return e;
    };
    const std::int64_t big = 3'000'000'000'000'000'001; // > 2^53: a double would round it
    store->recordSpend({entry(older.id, "portico-echo", "2026-12-05", 10, 4, 2, 100),
                        entry(older.id, "portico-echo", "2026-12-05", 20, 0, 3, 200),
                        entry(older.id, "gpt-4.1", "2026-12-06", 1, 0, 1, big),
                        entry(newer.id, "portico-echo", "2026-12-07", 5, 5, 5, 7)});
    other->recordSpend({entry(newer.id, "portico-echo", "2026-11-30", 1, 0, 1, 1000)});
    const auto rows = other->spendRows({});
    CPPUNIT_ASSERT_EQUAL(std::size_t(4), rows.size());
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-30"), rows[0].day);
    CPPUNIT_ASSERT_EQUAL(std::string("2026-12-05"), rows[1].day);
    CPPUNIT_ASSERT_EQUAL(std::int64_t(2), rows[1].requests);
    CPPUNIT_ASSERT_EQUAL(std::int64_t(30), rows[1].inputTokens);
    CPPUNIT_ASSERT_EQUAL(std::int64_t(4), rows[1].cachedInputTokens);
    CPPUNIT_ASSERT_EQUAL(std::int64_t(5), rows[1].outputTokens);
    CPPUNIT_ASSERT_EQUAL(std::int64_t(300), rows[1].costPico);
    CPPUNIT_ASSERT_EQUAL(big, rows[2].costPico);
    CPPUNIT_ASSERT_EQUAL(std::string("gpt-4.1"), rows[2].model);
    CPPUNIT_ASSERT_EQUAL(newer.id, rows[3].keyId);

    const auto byKey = store->spendRows({older.id, "", "", ""});
    CPPUNIT_ASSERT_EQUAL(std::size_t(2), byKey.size());
    const auto byModel = store->spendRows({"", "portico-echo", "2026-12-01", "2026-12-06"});
    CPPUNIT_ASSERT_EQUAL(std::size_t(1), byModel.size());
    CPPUNIT_ASSERT_EQUAL(std::string("2026-12-05"), byModel[0].day);
    CPPUNIT_ASSERT(store->spendRows({"", "", "2026-12-08", ""}).empty());

    auto total = other->spendSince("");
    CPPUNIT_ASSERT_EQUAL(big + 300, total[older.id]);
    CPPUNIT_ASSERT_EQUAL(std::int64_t(1007), total[newer.id]);
    auto since = other->spendSince("2026-12-06");
    CPPUNIT_ASSERT_EQUAL(big, since[older.id]);
    CPPUNIT_ASSERT_EQUAL(std::int64_t(7), since[newer.id]);
    CPPUNIT_ASSERT(other->spendSince("2026-12-08").empty());
    CPPUNIT_ASSERT(!store->describe().empty());
}

} // namespace portico::auth::test
