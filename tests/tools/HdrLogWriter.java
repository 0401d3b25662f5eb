// Writes tests/fixtures/collect/hdrlog-java.hlog with Java HdrHistogram's own
// HistogramLogWriter (Debian libhdrhistogram-java), so the importer is tested on a log from
// the reference implementation: StartTime and BaseTime headers, absolute-free timestamps
// relative to BaseTime, tagged and untagged intervals, a deterministic long-tailed mix.
// Regenerate (needs a JDK):
//   javac -cp /usr/share/java/hdrhistogram.jar -d /tmp tests/tools/HdrLogWriter.java
//   java -cp /usr/share/java/hdrhistogram.jar:/tmp HdrLogWriter tests/fixtures/collect/hdrlog-java.hlog
import java.io.PrintStream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

public class HdrLogWriter {
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(args[0]);
        HistogramLogWriter w = new HistogramLogWriter(out);
        long base = 1764000000000L;
        w.outputLogFormatVersion();
        w.outputStartTime(base);
        w.setBaseTime(base);
        w.outputBaseTime(base);
        w.outputLegend();
        String[] tags = {"java/rr", "java/rr", null, "java/exit#4"};
        long seed = 7;
        for (int i = 0; i < tags.length; i++) {
            Histogram h = new Histogram(3600L * 1000 * 1000 * 1000, 3);
            for (int k = 0; k < 10000; k++) {
                seed = (seed * 1103515245L + 12345L) % 2147483648L;
                double u = seed / 2147483648.0;
                long base_ns = 1000L * (i + 1);
                h.recordValue(Math.round(base_ns * (u < 0.95 ? 1 + u : 1 + 2000 * (u - 0.95))));
            }
            h.setStartTimeStamp(base + 1000L * i);
            h.setEndTimeStamp(base + 1000L * (i + 1));
            if (tags[i] != null)
                h.setTag(tags[i]);
            w.outputIntervalHistogram(h);
        }
        out.close();
    }
}
