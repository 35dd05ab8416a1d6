#pragma once
// Restricts the calling thread to the first CPU of its affinity mask while the object lives, then
// restores the mask. Processes the thread starts meanwhile inherit the one CPU, as they would
// under taskset or systemd's CPUAffinity=.

#include <cppunit/TestAssert.h>
#include <pthread.h>
#include <sched.h>

namespace portico::test {

class OneCpuForThisThread
{
public:
    OneCpuForThisThread()
    {
        CPPUNIT_ASSERT_EQUAL(0, pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_));
        cpu_set_t one;
        CPU_ZERO(&one);
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &saved_))
            {
                CPU_SET(cpu, &one);
                break;
            }
        CPPUNIT_ASSERT_EQUAL(0, pthread_setaffinity_np(pthread_self(), sizeof(one), &one));
    }
    ~OneCpuForThisThread() { pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_); }
    OneCpuForThisThread(const OneCpuForThisThread&) = delete;
    OneCpuForThisThread& operator=(const OneCpuForThisThread&) = delete;

private:
    cpu_set_t saved_;
};

} // namespace portico::test
