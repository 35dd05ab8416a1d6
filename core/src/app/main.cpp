#include "app/PorticoApp.h"
#include "app/SignalWaiter.h"

int main(int argc, char** argv)
{
    // Before any thread exists, so that every thread inherits the blocked signals.
    portico::SignalWaiter::block();
    portico::PorticoApp app;
    return app.run(argc, argv);
}
