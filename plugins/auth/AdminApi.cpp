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
#include "VirtualKeyAdmin.h"
#include "VirtualKeyJson.h"

namespace portico::auth {

namespace {

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
        VirtualKeyAdmin admin(keys->store());
        body(*keys, admin);
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
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin& admin) {
            const CreatedKey created = admin.create(exchange.body());
            virtualKeys.reload();
            logger.information("admin API: created virtual key " + created.policy.id);
            exchange.respond(201, VirtualKeyAdmin::createdJson(created));
        });
    });
    route("GET", "/admin/keys", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin&) {
            exchange.respond(200, VirtualKeyAdmin::listJson(virtualKeys.store().list()));
        });
    });
    route("GET", "/admin/keys/{id}", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys&, VirtualKeyAdmin& admin) {
            const std::string& id = exchange.pathParam("id");
            const auto key = admin.find(id);
            if (!key)
                return notFound(exchange, id);
            exchange.respond(200, virtualKeyJson(*key));
        });
    });
    route("PATCH", "/admin/keys/{id}", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin& admin) {
            const std::string& id = exchange.pathParam("id");
            const auto [refusal, key] = admin.update(id, exchange.body());
            if (refusal == ChangeRefusal::NotFound)
                return notFound(exchange, id);
            if (refusal == ChangeRefusal::Revoked)
                return exchange.respondError(409, "The virtual key '" + id + "' is revoked; create a new one.",
                                             "invalid_request_error", "key_revoked", "id");
            virtualKeys.reload();
            logger.information("admin API: changed the policy of virtual key " + id);
            exchange.respond(200, virtualKeyJson(*key));
        });
    });
    route("DELETE", "/admin/keys/{id}", [keys, &logger](Exchange& exchange) {
        withStore(keys, exchange, logger, [&](VirtualKeys& virtualKeys, VirtualKeyAdmin& admin) {
            const std::string& id = exchange.pathParam("id");
            bool changed = false;
            const auto key = admin.revoke(id, changed);
            if (!key)
                return notFound(exchange, id);
            if (changed)
            {
                virtualKeys.reload();
                logger.information("admin API: revoked virtual key " + id);
            }
            exchange.respond(200, virtualKeyJson(*key));
        });
    });
}

} // namespace portico::auth
