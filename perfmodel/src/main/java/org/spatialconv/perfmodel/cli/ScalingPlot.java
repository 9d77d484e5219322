package org.spatialconv.perfmodel.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.spatialconv.perfmodel.search.StrongScaling.Point;

/**
 * Draws the strong-scaling curve (predicted iteration time against ranks, both axes log2) for the planned and
 * the sample-parallel strategies, as SVG (written by hand) or PNG (java.awt, headless). One drawing routine
 * produces both: it emits primitive shapes to a {@link Canvas}.
 */
final class ScalingPlot {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 460;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final String PLANNED = "#1f77b4";
    private static final String BASELINE = "#d62728";

    private ScalingPlot() {
    }

    /** Minimal drawing surface. */
    interface Canvas {
        void line(double x1, double y1, double x2, double y2, String color, double width);

        void circle(double x, double y, double r, String color);

        void text(double x, double y, String s, int size, String anchor);
    }

    /** Writes the plot to {@code tmp}; the format follows {@code target}'s extension (.svg or .png). */
    static void write(Path tmp, Path target, String title, List<Point> points) throws IOException {
        String name = target.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".svg")) {
            StringBuilder sb = new StringBuilder();
            sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                    .append(HEIGHT).append("\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" "
                    + "fill=\"white\"/>\n");
            draw(new SvgCanvas(sb), title, points);
            sb.append("</svg>\n");
            Files.writeString(tmp, sb.toString());
        } else {
            BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            draw(new AwtCanvas(g), title, points);
            g.dispose();
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available");
            }
        }
    }

    /** Checks the plot file name before any work. */
    static void checkName(Path target) {
        String name = target.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".svg") && !name.endsWith(".png")) {
            throw new UserException("--plot " + target + ": must end in .svg or .png");
        }
    }

    private static void draw(Canvas c, String title, List<Point> points) {
        double minT = Double.POSITIVE_INFINITY;
        double maxT = 0;
        for (Point p : points) {
            for (double t : new double[] {p.planned(), p.baseline()}) {
                if (!Double.isNaN(t)) {
                    minT = Math.min(minT, t);
                    maxT = Math.max(maxT, t);
                }
            }
        }
        if (maxT == 0) {
            minT = 1e-3;
            maxT = 1;
        }
        double yLo = Math.floor(Math.log10(minT * 1e3));
        double yHi = Math.max(yLo + 1, Math.ceil(Math.log10(maxT * 1e3)));
        double xLo = log2(points.get(0).ranks());
        double xHi = Math.max(xLo + 1, log2(points.get(points.size() - 1).ranks()));
        double w = WIDTH - LEFT - RIGHT;
        double h = HEIGHT - TOP - BOTTOM;
        java.util.function.DoubleUnaryOperator px = r -> LEFT + (log2(r) - xLo) / (xHi - xLo) * w;
        java.util.function.DoubleUnaryOperator py = t -> TOP + h - (Math.log10(t * 1e3) - yLo) / (yHi - yLo) * h;
        c.text(WIDTH / 2.0, 25, title, 15, "middle");
        c.line(LEFT, TOP + h, LEFT + w, TOP + h, "#000000", 1);
        c.line(LEFT, TOP, LEFT, TOP + h, "#000000", 1);
        for (Point p : points) {
            double x = px.applyAsDouble(p.ranks());
            c.line(x, TOP + h, x, TOP + h + 5, "#000000", 1);
            c.text(x, TOP + h + 20, Integer.toString(p.ranks()), 12, "middle");
        }
        for (double e = yLo; e <= yHi; e++) {
            double y = TOP + h - (e - yLo) / (yHi - yLo) * h;
            c.line(LEFT - 5, y, LEFT + w, y, "#dddddd", 1);
            c.text(LEFT - 8, y + 4, format(Math.pow(10, e)), 12, "end");
        }
        c.text(LEFT + w / 2, HEIGHT - 15, "ranks (GPUs)", 13, "middle");
        c.text(18, TOP + h / 2, "ms", 13, "middle");
        series(c, points, true, PLANNED, px, py);
        series(c, points, false, BASELINE, px, py);
        c.line(LEFT + 15, TOP + 10, LEFT + 40, TOP + 10, PLANNED, 2.5);
        c.text(LEFT + 45, TOP + 14, "planned (hybrid) iteration time", 12, "start");
        c.line(LEFT + 15, TOP + 28, LEFT + 40, TOP + 28, BASELINE, 2.5);
        c.text(LEFT + 45, TOP + 32, "sample-parallel baseline (gaps: does not fit)", 12, "start");
    }

    private static void series(Canvas c, List<Point> points, boolean planned, String color,
            java.util.function.DoubleUnaryOperator px, java.util.function.DoubleUnaryOperator py) {
        List<double[]> xy = new ArrayList<>();
        for (Point p : points) {
            double t = planned ? p.planned() : p.baseline();
            if (Double.isNaN(t)) {
                xy.add(null);
            } else {
                xy.add(new double[] {px.applyAsDouble(p.ranks()), py.applyAsDouble(t)});
            }
        }
        for (int i = 0; i < xy.size(); i++) {
            double[] a = xy.get(i);
            if (a == null) {
                continue;
            }
            c.circle(a[0], a[1], 3.5, color);
            double[] b = i + 1 < xy.size() ? xy.get(i + 1) : null;
            if (b != null) {
                c.line(a[0], a[1], b[0], b[1], color, 2.5);
            }
        }
    }

    private static String format(double ms) {
        return ms >= 1 ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%.3g", ms);
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    private static final class SvgCanvas implements Canvas {
        private final StringBuilder sb;

        SvgCanvas(StringBuilder sb) {
            this.sb = sb;
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String color, double width) {
            sb.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"/>%n",
                    x1, y1, x2, y2, color, width));
        }

        @Override
        public void circle(double x, double y, double r, String color) {
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>%n", x, y,
                    r, color));
        }

        @Override
        public void text(double x, double y, String s, int size, String anchor) {
            String esc = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
            sb.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>%n", x, y, size,
                    anchor, esc));
        }
    }

    private static final class AwtCanvas implements Canvas {
        private final Graphics2D g;

        AwtCanvas(Graphics2D g) {
            this.g = g;
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String color, double width) {
            g.setColor(Color.decode(color));
            g.setStroke(new BasicStroke((float) width));
            g.drawLine((int) Math.round(x1), (int) Math.round(y1), (int) Math.round(x2), (int) Math.round(y2));
        }

        @Override
        public void circle(double x, double y, double r, String color) {
            g.setColor(Color.decode(color));
            int d = (int) Math.round(2 * r);
            g.fillOval((int) Math.round(x - r), (int) Math.round(y - r), d, d);
        }

        @Override
        public void text(double x, double y, String s, int size, String anchor) {
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
            int width = g.getFontMetrics().stringWidth(s);
            double dx = anchor.equals("middle") ? -width / 2.0 : anchor.equals("end") ? -width : 0;
            g.drawString(s, (float) (x + dx), (float) y);
        }
    }
}
