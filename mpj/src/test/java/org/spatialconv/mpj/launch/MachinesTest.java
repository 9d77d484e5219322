package org.spatialconv.mpj.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Machines-file parsing and rank placement. */
class MachinesTest {
    @Test
    void placesRanksBySlotsAndWrapsAround() {
        Machines m = Machines.parse(List.of("# cluster", "", "node1 slots=2  # two ranks", "node2"), "test");
        assertEquals(List.of("node1", "node2"), m.hosts());
        assertEquals(List.of("node1", "node1", "node2", "node1", "node1"), m.place(5));
    }

    @Test
    void badLinesNameFileAndLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Machines.parse(List.of("node1", "node2 slots=0"), "m.txt"));
        assertTrue(e.getMessage().contains("m.txt line 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Machines.parse(List.of("a b c"), "m.txt"));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Machines.parse(List.of("# only comments"), "m.txt"));
        assertTrue(e.getMessage().contains("no hosts"), e.getMessage());
    }

    @Test
    void configRejectsBadValues() {
        LaunchConfig ok = LaunchConfig.local(2, org.spatialconv.mpj.FaultTask.class, List.of());
        assertThrows(IllegalArgumentException.class, () -> ok.withRendezvousPort(70000));
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.local(0,
                org.spatialconv.mpj.FaultTask.class, List.of()));
        assertEquals(List.of("h", "h"), ok.withMachines(Machines.parse(List.of("h"), "x")).hosts());
    }
}
