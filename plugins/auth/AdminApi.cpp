// The admin API (served on [admin] listen only, behind the admin key, which onRequest checks):
//
//   POST   /admin/keys        create a virtual key: 201 with its id, its policy and the key,
//                             shown this once (only its SHA-256 digest is stored)
//   GET    /admin/keys        every key's policy, revoked ones included
//   GET    /admin/keys/{id}   one key's policy
//   PATCH  /admin/keys/{id}   change its policy (the fields given; the others stay)
//   DELETE /admin/keys/{id}   revoke it (refused from the next request on this instance, within
//                             [admin] refresh_ms on the others)
//
// The handlers write SQLite, so they run on worker threads (Blocking::May). Each write rebuilds
// this instance's index before it answers.
#include "AuthPlugin.h"
#include "VirtualKeyJson.h"
#include "portico/ApiKey.h"
#include "portico/Json.h"
#include <chrono>

namespace portico::auth {

namespace {

std::int64_t secondsNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Runs `body` with the store, or answers 503 when it could not be opened; a store error while
/// serving is a 503 too (the admin can retry), logged with the reason.
template <typename Body>
void withStore(const std::shared_ptr<VirtualKeys>& keys, Exchange& exchange, Poco::Logger& logger, Body body)
{
    if (!keys)
    {
        exchange.respondError(503, "The key store cannot be opened (see the server log).", "server_error",
                              "key_store_unavailable");
        return;
    }
    try
    {
        body(*keys);
    }
    catch (const PolicyError& e)
    {
        exchange.respondError(400, e.what(), "invalid_request_error", "invalid_policy", e.field());
    }
    catch (const std::exception& e)
    {
        logger.error("admin API " + exchange.method() + " " + exchange.path() + " failed: " + e.what());
        exchange.respondError(503, "The key store failed; nothing was changed unless a retry shows it.",
                              "server_error", "key_store_unavailable");
    }
}

void notFound(Exchange& exchange, const std::string& id)
{
    exchange.respondError(404, "No virtual key with id '" + id + "'.", "invalid_request_error", "key_not_found", "id");
}

} // namespace

void AuthPlugin::addAdminRoutes(PluginContext& context)
{
    auto keys = virtualKeys_;
    Poco::Logger& logger = logger_;
    auto route = [&context](std::string method, std::string pattern, RouteHandler handler) {
        Route route{std::move(method), std::move(pattern), std::move(handler)};
        route.blocking = Blocking::May;
        route.listener = Listener::Admin;
        context.addRoute(std::move(route));
    };

    route("POST", "/admin/keys", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& store) {
            VirtualKey key;
            applyPolicyJson(exchange.body(), key);
            key.id = newVirtualKeyId();
            key.createdAt = secondsNow();
            const std::string secret = generateApiKey();
            store.store().insert(key, KeyStore::digestOf(secret));
            store.reload();
            logger.information("admin API: created virtual key " + key.id);
            std::string answer = virtualKeyJson(key);
            answer.insert(answer.size() - 1, ",\"key\":" + jsonString(secret));
            exchange.respond(201, std::move(answer));
        });
    });
    route("GET", "/admin/keys", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& store) {
            std::string answer = "{\"object\":\"list\",\"data\":[";
            bool first = true;
            for (const auto& key : store.store().list())
            {
                answer += (first ? "" : ",") + virtualKeyJson(key);
                first = false;
            }
            exchange.respond(200, answer + "]}");
        });
    });
    route("GET", "/admin/keys/{id}", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& store) {
            const std::string& id = exchange.pathParam("id");
            const auto key = validVirtualKeyId(id) ? store.store().find(id) : std::nullopt;
            if (!key)
                return notFound(exchange, id);
            exchange.respond(200, virtualKeyJson(*key));
        });
    });
    route("PATCH", "/admin/keys/{id}", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& store) {
            const std::string& id = exchange.pathParam("id");
            auto key = validVirtualKeyId(id) ? store.store().find(id) : std::nullopt;
            if (!key)
                return notFound(exchange, id);
            if (key->revokedAt)
            {
                exchange.respondError(409, "The virtual key '" + id + "' is revoked; create a new one.",
                                      "invalid_request_error", "key_revoked", "id");
                return;
            }
            applyPolicyJson(exchange.body(), *key);
            if (!store.store().update(*key))
                return notFound(exchange, id);
            store.reload();
            logger.information("admin API: changed the policy of virtual key " + id);
            exchange.respond(200, virtualKeyJson(*key));
        });
    });
    route("DELETE", "/admin/keys/{id}", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& store) {
            const std::string& id = exchange.pathParam("id");
            if (!validVirtualKeyId(id) || !store.store().find(id))
                return notFound(exchange, id);
            // Revoking a revoked key changes nothing and answers the same (a retried DELETE).
            if (store.store().revoke(id, secondsNow()))
            {
                store.reload();
                logger.information("admin API: revoked virtual key " + id);
            }
            exchange.respond(200, virtualKeyJson(*store.store().find(id)));
        });
    });
}

} // namespace portico::auth
