package org.spatialconv.mpj.launch;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * The port exchange MPJ Express's niodev performs at start-up, served by the launcher instead of MPJ's
 * {@code mpjrun}. Each rank binds its own two ports (niodev retries random free ports, so busy ports never
 * collide), connects here and sends {@code writeUTF("Sending Info"), writeInt(writePort), writeInt(readPort),
 * writeInt(rank)}; once all ranks have reported, every rank receives
 * {@code "#Peer Information;host@readPort@writePort@rank@0;..."} in rank order, the host being the address
 * the rank connected from.
 */
final class Rendezvous implements AutoCloseable {
    private final ServerSocket server;
    private final int ranks;

    Rendezvous(ServerSocket server, int ranks) {
        this.server = server;
        this.ranks = ranks;
    }

    int port() {
        return server.getLocalPort();
    }

    /**
     * Serves one start-up: blocks until every rank reported (or the socket is closed).
     *
     * @throws IOException on a malformed report or a closed socket
     */
    void serve() throws IOException {
        Socket[] socks = new Socket[ranks];
        String[] entries = new String[ranks];
        try {
            for (int n = 0; n < ranks; n++) {
                Socket s = server.accept();
                s.setSoTimeout(30_000);
                DataInputStream in = new DataInputStream(s.getInputStream());
                String hello = in.readUTF();
                if (!hello.startsWith("Sending Info")) {
                    s.close();
                    throw new IOException("unexpected rendezvous greeting '" + hello + "'");
                }
                int writePort = in.readInt();
                int readPort = in.readInt();
                int rank = in.readInt();
                if (rank < 0 || rank >= ranks || socks[rank] != null) {
                    s.close();
                    throw new IOException("rendezvous: bad or duplicate rank " + rank);
                }
                socks[rank] = s;
                entries[rank] = s.getInetAddress().getHostAddress() + "@" + readPort + "@" + writePort + "@"
                        + rank + "@0";
            }
            StringBuilder info = new StringBuilder("#Peer Information");
            for (String e : entries) {
                info.append(';').append(e);
            }
            for (Socket s : socks) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeUTF(info.toString());
                out.flush();
            }
        } catch (SocketTimeoutException e) {
            throw new IOException("rendezvous: a rank connected but did not report its ports", e);
        } finally {
            for (Socket s : socks) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing after the exchange; nothing to do
                    }
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
