package org.spatialconv.perfmodel.search;

import java.util.ArrayList;
import java.util.List;

/**
 * Exact minimisation of {@code Σ_v cost_v(g_v) + Σ_(u,v) edge_uv(g_u, g_v)} over one state per node, for a
 * two-terminal series-parallel DAG (node 0 the source, the last node the sink). Repeatedly replaces a node with one
 * in-edge and one out-edge by a min-plus product (series reduction) and two edges between the same nodes by
 * their sum (parallel reduction) until one edge is left; argmins are kept so the optimal states can be recovered.
 * O(G³) per series reduction for G states.
 */
final class SeriesParallelSolver {
    /** One edge; {@code m[a*G+b]} is its cost for states a at {@code from} and b at {@code to}. */
    private static final class Edge {
        final int from;
        final int to;
        final double[] m;
        final Edge left;
        final Edge right;
        final int middle;
        final int[] argmin;
        boolean alive = true;

        Edge(int from, int to, double[] m, Edge left, Edge right, int middle, int[] argmin) {
            this.from = from;
            this.to = to;
            this.m = m;
            this.left = left;
            this.right = right;
            this.middle = middle;
            this.argmin = argmin;
        }
    }

    private final int states;
    private final double[][] nodeCost;
    private final List<List<Edge>> in = new ArrayList<>();
    private final List<List<Edge>> out = new ArrayList<>();

    /** {@code nodeCost[v][g]} ({@code +inf} for a forbidden state). */
    SeriesParallelSolver(double[][] nodeCost, int states) {
        this.states = states;
        this.nodeCost = nodeCost;
        for (int v = 0; v < nodeCost.length; v++) {
            in.add(new ArrayList<>());
            out.add(new ArrayList<>());
        }
    }

    /** Adds an edge with cost matrix {@code m[a*G+b]}. */
    void addEdge(int from, int to, double[] m) {
        add(new Edge(from, to, m, null, null, -1, null));
    }

    private void add(Edge e) {
        for (Edge f : out.get(e.from)) {
            if (f.alive && f.to == e.to) {
                f.alive = false;
                double[] sum = new double[states * states];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] = f.m[i] + e.m[i];
                }
                add(new Edge(e.from, e.to, sum, f, e, -1, null));
                return;
            }
        }
        out.get(e.from).add(e);
        in.get(e.to).add(e);
    }

    private static List<Edge> alive(List<Edge> list) {
        list.removeIf(e -> !e.alive);
        return list;
    }

    /**
     * Solves; returns the optimal state of every node and its total cost in the last slot of a result pair.
     *
     * @throws IllegalArgumentException if the graph is not two-terminal series-parallel
     */
    Result solve() {
        int source = 0;
        int sink = nodeCost.length - 1;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int v = 1; v < sink; v++) {
                List<Edge> ins = alive(in.get(v));
                List<Edge> outs = alive(out.get(v));
                if (ins.size() == 1 && outs.size() == 1) {
                    series(ins.get(0), v, outs.get(0));
                    changed = true;
                }
            }
        }
        List<Edge> last = alive(out.get(source));
        for (int v = 1; v < sink; v++) {
            if (!alive(in.get(v)).isEmpty()) {
                throw new IllegalArgumentException("the network is not series-parallel (stuck at node " + v
                        + "); the planner handles chains, residual blocks and nested skip connections");
            }
        }
        if (last.size() != 1 || last.get(0).to != sink) {
            throw new IllegalArgumentException("the network is not series-parallel");
        }
        Edge e = last.get(0);
        double best = Double.POSITIVE_INFINITY;
        int ba = -1;
        int bb = -1;
        for (int a = 0; a < states; a++) {
            for (int b = 0; b < states; b++) {
                double t = nodeCost[source][a] + e.m[a * states + b] + nodeCost[sink][b];
                if (t < best) {
                    best = t;
                    ba = a;
                    bb = b;
                }
            }
        }
        int[] choice = new int[nodeCost.length];
        java.util.Arrays.fill(choice, -1);
        if (ba >= 0) {
            choice[source] = ba;
            choice[sink] = bb;
            expand(e, ba, bb, choice);
        }
        return new Result(choice, best);
    }

    private void series(Edge e1, int v, Edge e2) {
        e1.alive = false;
        e2.alive = false;
        int g = states;
        double[] m = new double[g * g];
        int[] arg = new int[g * g];
        double[] cv = nodeCost[v];
        double[] tmp = new double[g];
        for (int a = 0; a < g; a++) {
            for (int k = 0; k < g; k++) {
                tmp[k] = e1.m[a * g + k] + cv[k];
            }
            for (int b = 0; b < g; b++) {
                double best = Double.POSITIVE_INFINITY;
                int bk = 0;
                for (int k = 0; k < g; k++) {
                    double t = tmp[k] + e2.m[k * g + b];
                    if (t < best) {
                        best = t;
                        bk = k;
                    }
                }
                m[a * g + b] = best;
                arg[a * g + b] = bk;
            }
        }
        add(new Edge(e1.from, e2.to, m, e1, e2, v, arg));
    }

    private void expand(Edge e, int a, int b, int[] choice) {
        if (e.left == null) {
            return;
        }
        if (e.middle >= 0) {
            int k = e.argmin[a * states + b];
            choice[e.middle] = k;
            expand(e.left, a, k, choice);
            expand(e.right, k, b, choice);
        } else {
            expand(e.left, a, b, choice);
            expand(e.right, a, b, choice);
        }
    }

    /** Optimal state per node and the optimal total. */
    record Result(int[] choice, double cost) {
    }
}
