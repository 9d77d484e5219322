package org.spatialconv.decomposition.device;

import java.util.ArrayList;
import java.util.List;
import org.spatialconv.conv.device.DeviceEvent;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.conv.device.DeviceStream;
import org.spatialconv.conv.device.StagingBuffer;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.Request;

/**
 * Transport between processes (or any ranks with a {@link Communicator}): each packed box is copied into page-locked
 * host memory on the communication stream, sent as floats over the communicator (MPJ between processes), and copied
 * from page-locked memory to the receiver's device buffer on its communication stream. Posting never blocks; the
 * host waits for the device-to-host copies only when it hands the sends over, after the interior convolution has
 * been queued.
 */
public final class StagedTransport implements DeviceTransport {
    /** Communicator tag of exchange 0; exchange {@code i} uses {@code TAG_BASE + i}. */
    public static final int TAG_BASE = 0x6C0;
    private final Communicator comm;
    private final DeviceRuntime device;

    /** Staging through {@code device}'s page-locked memory over {@code comm}. */
    public StagedTransport(Communicator comm, DeviceRuntime device) {
        this.comm = comm;
        this.device = device;
    }

    @Override
    public Channel open(int exchange, List<Link> sends, List<Link> receives) {
        if (exchange < 0 || exchange > 0x3FFF) {
            throw new IllegalArgumentException("exchange id must be in [0, 16383], got " + exchange);
        }
        return new StagedChannel(TAG_BASE + exchange, sends, receives);
    }

    @Override
    public void abort(Throwable cause) {
        comm.abort(cause);
    }

    /** One box's host side: page-locked memory and the float array the communicator moves. */
    private record Staged(StagingBuffer pinned, float[] host) {
    }

    private final class StagedChannel implements Channel {
        private final int tag;
        private final List<Link> sends;
        private final List<Link> receives;
        private final List<Staged> out = new ArrayList<>();
        private final List<Staged> in = new ArrayList<>();
        private final Request[] receiving;
        private final Request[] sending;
        /**
         * After the device-to-host copies of the sends. Being later on the same stream than the previous call's
         * host-to-device copies, it also tells when the receives' page-locked memory may be rewritten.
         */
        private final DeviceEvent staged;

        StagedChannel(int tag, List<Link> sends, List<Link> receives) {
            this.tag = tag;
            this.sends = List.copyOf(sends);
            this.receives = List.copyOf(receives);
            this.receiving = new Request[receives.size()];
            this.sending = new Request[sends.size()];
            DeviceEvent s = null;
            try {
                s = device.createEvent();
                for (Link k : sends) {
                    out.add(new Staged(device.allocateStaging(k.floats()), new float[k.floats()]));
                }
                for (Link k : receives) {
                    in.add(new Staged(device.allocateStaging(k.floats()), new float[k.floats()]));
                }
            } catch (RuntimeException e) {
                closeAll(s);
                throw e;
            }
            this.staged = s;
        }

        @Override
        public void post(DeviceStream stream) {
            for (int i = 0; i < receives.size(); i++) {
                Link r = receives.get(i);
                receiving[i] = comm.irecv(in.get(i).host(), 0, r.floats(), r.peer(), tag);
            }
            for (int i = 0; i < sends.size(); i++) {
                Link s = sends.get(i);
                device.copyToStaging(s.buffer(), 0, out.get(i).pinned(), 0, s.floats(), stream);
            }
            staged.record(stream);
        }

        @Override
        public void deliver(DeviceStream stream) {
            staged.synchronize();
            for (int i = 0; i < sends.size(); i++) {
                Link s = sends.get(i);
                Staged o = out.get(i);
                o.pinned().read(0, o.host(), 0, s.floats());
                sending[i] = comm.isend(o.host(), 0, s.floats(), s.peer(), tag);
            }
        }

        @Override
        public void arrive(int i, DeviceStream stream) {
            Link r = receives.get(i);
            Staged s = in.get(i);
            receiving[i].await();
            // deliver's staged.synchronize() has passed the previous call's copy out of this memory
            s.pinned().write(0, s.host(), 0, r.floats());
            device.copyFromStaging(s.pinned(), 0, r.buffer(), 0, r.floats(), stream);
        }

        @Override
        public void complete(DeviceStream stream) {
            for (Request q : sending) {
                q.await();
            }
        }

        @Override
        public void close() {
            closeAll(staged);
        }

        private void closeAll(DeviceEvent s) {
            for (Staged x : out) {
                x.pinned().close();
            }
            for (Staged x : in) {
                x.pinned().close();
            }
            if (s != null) {
                s.close();
            }
        }
    }
}
