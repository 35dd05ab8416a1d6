#include "redis/RedisConnection.h"
#include "portico/Errors.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Redis/Error.h"
#include "Poco/Timespan.h"

namespace portico {

namespace {

Poco::Timespan timespan(std::chrono::milliseconds ms)
{
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

} // namespace

std::string errorMessage(const RedisReply& reply)
{
    if (reply.isNull() || !reply->isError())
        return {};
    const auto* error = dynamic_cast<const Poco::Redis::Type<Poco::Redis::Error>*>(reply.get());
    return error ? error->value().getMessage() : "error reply";
}

RedisConnection::RedisConnection(const RedisSettings& settings) : settings_(settings) {}

RedisConnection::~RedisConnection()
{
    close();
}

void RedisConnection::open(std::uint64_t generation)
{
    close();
    generation_ = generation;
    try
    {
        socket_ = Poco::Net::StreamSocket();
        socket_.connect(Poco::Net::SocketAddress(settings_.host, settings_.port), timespan(settings_.connectTimeout));
        socket_.setNoDelay(true);
        socket_.setReceiveTimeout(timespan(settings_.commandTimeout));
        socket_.setSendTimeout(timespan(settings_.commandTimeout));
    }
    catch (const std::exception& e)
    {
        close();
        throw RedisConnectionError("cannot connect to " + settings_.address() + ": " + describeException(e));
    }
    input_ = std::make_unique<Poco::Redis::RedisInputStream>(socket_);
    open_ = true;
    try
    {
        if (!settings_.password.empty())
            call(Poco::Redis::Array() << "AUTH" << settings_.password);
        if (settings_.database != 0)
            call(Poco::Redis::Array() << "SELECT" << std::to_string(settings_.database));
    }
    catch (const RedisErrorReply& e)
    {
        close();
        // The reply names the problem (WRONGPASS, NOAUTH, DB index out of range), not the password.
        throw RedisConnectionError("Redis at " + settings_.address() + " refused the connection setup: " + e.what());
    }
}

void RedisConnection::close()
{
    if (open_)
    {
        try
        {
            socket_.close();
        }
        catch (...)
        {
            // Closing a broken socket may fail; it is gone either way.
        }
    }
    input_.reset();
    open_ = false;
}

bool RedisConnection::closedWhileIdle()
{
    if (!open_)
        return false;
    bool readable = false;
    try
    {
        readable = input_->rdbuf()->in_avail() > 0 || socket_.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ);
    }
    catch (...)
    {
        readable = true;
    }
    if (readable)
        close();
    return readable;
}

RedisReply RedisConnection::send(const Poco::Redis::Array& command)
{
    if (!open_)
        throw RedisConnectionError("not connected to " + settings_.address());
    try
    {
        const std::string bytes = command.toString();
        std::size_t sent = 0;
        while (sent < bytes.size())
        {
            const int n = socket_.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent));
            if (n <= 0)
                throw RedisConnectionError("connection closed while sending");
            sent += static_cast<std::size_t>(n);
        }
        return readReply();
    }
    catch (const RedisConnectionError& e)
    {
        close();
        throw RedisConnectionError("Redis at " + settings_.address() + ": " + e.what());
    }
    catch (const Poco::TimeoutException&)
    {
        close();
        throw RedisConnectionError("Redis at " + settings_.address() + " did not answer within " +
                                   std::to_string(settings_.commandTimeout.count()) + " ms (command_timeout_ms)");
    }
    catch (const std::exception& e)
    {
        close();
        throw RedisConnectionError("Redis at " + settings_.address() + ": " + describeException(e));
    }
}

RedisReply RedisConnection::call(const Poco::Redis::Array& command)
{
    RedisReply reply = send(command);
    const std::string error = errorMessage(reply);
    if (!error.empty())
        throw RedisErrorReply(error);
    return reply;
}

RedisReply RedisConnection::readReply()
{
    const int marker = input_->get();
    if (!input_->good())
    {
        // A receive timeout reaches us only as a failed stream: tell it apart from a close.
        if (socket_.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ))
            throw RedisConnectionError("connection closed by the server");
        throw Poco::TimeoutException();
    }
    RedisReply reply = Poco::Redis::RedisType::createRedisType(static_cast<char>(marker));
    if (reply.isNull())
        throw RedisConnectionError("unexpected reply type '" + std::string(1, static_cast<char>(marker)) + "'");
    reply->read(*input_);
    // A reply cut short by a timeout or a close leaves the stream failed, not an exception.
    if (!input_->good())
        throw RedisConnectionError("reply cut short (timeout or connection closed)");
    return reply;
}

} // namespace portico
