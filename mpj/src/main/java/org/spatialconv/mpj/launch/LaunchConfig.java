package org.spatialconv.mpj.launch;

import java.time.Duration;
import java.util.List;

/**
 * What to launch and how to supervise it. Create with {@link #local} and refine with the {@code with*} methods.
 *
 * @param ranks            number of rank processes
 * @param taskClass        the {@link RankTask} every rank runs
 * @param taskArgs         arguments given to the task
 * @param hosts            host of each rank (empty: all on this host)
 * @param commTimeout      how long any communicator wait may last in a rank
 * @param failTimeout      after the first failure, how long until every rank is gone (aborted, then killed)
 * @param heartbeatTimeout a rank whose heartbeat is silent this long counts as hung
 * @param startupTimeout   how long all ranks may take to start and connect
 * @param jvmArgs          extra JVM options for each rank (e.g. {@code -Xmx2g})
 * @param rendezvousPort   port of MPJ's start-up port exchange, 0 for any free port
 * @param remoteShell      command prefix that runs a command on another host; {@code {host}} is replaced
 * @param bindHost         address the ranks use to reach the launcher; null for loopback / this host's name
 * @param install          the MPJ Express installation
 */
public record LaunchConfig(int ranks, String taskClass, List<String> taskArgs, List<String> hosts,
                           Duration commTimeout, Duration failTimeout, Duration heartbeatTimeout,
                           Duration startupTimeout, List<String> jvmArgs, int rendezvousPort,
                           List<String> remoteShell, String bindHost, MpjInstall install) {
    /** Default communicator timeout. */
    public static final Duration DEFAULT_COMM_TIMEOUT = Duration.ofSeconds(30);
    /** Default time from the first failure until every rank is gone (well under a minute). */
    public static final Duration DEFAULT_FAIL_TIMEOUT = Duration.ofSeconds(10);

    /** Validates every field. */
    public LaunchConfig {
        if (ranks < 1) {
            throw new IllegalArgumentException("ranks must be >= 1, got " + ranks);
        }
        taskArgs = List.copyOf(taskArgs);
        hosts = List.copyOf(hosts);
        jvmArgs = List.copyOf(jvmArgs);
        remoteShell = List.copyOf(remoteShell);
        if (!hosts.isEmpty() && hosts.size() != ranks) {
            throw new IllegalArgumentException("need one host per rank: " + hosts.size() + " hosts for " + ranks
                    + " ranks");
        }
        for (Duration d : List.of(commTimeout, failTimeout, heartbeatTimeout, startupTimeout)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive, got " + d);
            }
        }
        if (rendezvousPort < 0 || rendezvousPort > 65535) {
            throw new IllegalArgumentException("port out of range: " + rendezvousPort);
        }
    }

    /** {@code ranks} processes on this host running {@code task} with the default timeouts. */
    public static LaunchConfig local(int ranks, Class<? extends RankTask> task, List<String> taskArgs) {
        return new LaunchConfig(ranks, task.getName(), taskArgs, List.of(), DEFAULT_COMM_TIMEOUT,
                DEFAULT_FAIL_TIMEOUT, Duration.ofSeconds(20), Duration.ofSeconds(60), List.of("-Xss4m"), 0,
                List.of("ssh", "-o", "BatchMode=yes", "{host}"), null, MpjInstall.detect());
    }

    /** Same config with ranks placed by a machines file. */
    public LaunchConfig withMachines(Machines machines) {
        return new LaunchConfig(ranks, taskClass, taskArgs, machines.place(ranks), commTimeout, failTimeout,
                heartbeatTimeout, startupTimeout, jvmArgs, rendezvousPort, remoteShell, bindHost, install);
    }

    /** Same config with other timeouts. */
    public LaunchConfig withTimeouts(Duration comm, Duration fail, Duration heartbeat) {
        return new LaunchConfig(ranks, taskClass, taskArgs, hosts, comm, fail, heartbeat, startupTimeout, jvmArgs,
                rendezvousPort, remoteShell, bindHost, install);
    }

    /** Same config with other JVM options for the ranks. */
    public LaunchConfig withJvmArgs(List<String> args) {
        return new LaunchConfig(ranks, taskClass, taskArgs, hosts, commTimeout, failTimeout, heartbeatTimeout,
                startupTimeout, args, rendezvousPort, remoteShell, bindHost, install);
    }

    /** Same config with a fixed rendezvous port (0: any free port). */
    public LaunchConfig withRendezvousPort(int port) {
        return new LaunchConfig(ranks, taskClass, taskArgs, hosts, commTimeout, failTimeout, heartbeatTimeout,
                startupTimeout, jvmArgs, port, remoteShell, bindHost, install);
    }

    /** Same config with another remote shell and launcher address for multi-host runs. */
    public LaunchConfig withRemote(List<String> shell, String bind) {
        return new LaunchConfig(ranks, taskClass, taskArgs, hosts, commTimeout, failTimeout, heartbeatTimeout,
                startupTimeout, jvmArgs, rendezvousPort, shell, bind, install);
    }
}
