package dev.vfork4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The streams a child's {@link Child#getOutputStream()}, {@link Child#getInputStream()} and
 * {@link Child#getErrorStream()} return when that standard stream is not a pipe this JVM
 * holds (redirected, inherited, or fed and read by vfork4j itself). They behave exactly as
 * {@link ProcessBuilder}'s documented null streams do: writing throws
 * {@code IOException("Stream closed")} while flush and close do nothing; reading returns end
 * of stream, {@code available()} is 0, and both stay so after close.
 */
final class NullStreams {
    private NullStreams() {}

    /** The null output stream: every write of a byte throws, as the JDK's does. */
    static final OutputStream OUTPUT = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("Stream closed");
        }

        @Override
        public String toString() {
            return "null output stream (stdin is not a pipe to this JVM)";
        }
    };

    /** The null input stream: always at its end, even after close (unlike InputStream.nullInputStream()). */
    static final InputStream INPUT = new InputStream() {
        @Override
        public int read() {
            return -1;
        }

        @Override
        public int available() {
            return 0;
        }

        @Override
        public String toString() {
            return "null input stream (the stream is not a pipe to this JVM)";
        }
    };
}
