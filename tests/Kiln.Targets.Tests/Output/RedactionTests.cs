namespace Kiln.Targets.Tests.Output;

public sealed class RedactionTests
{
    [Fact]
    public void Secrets_are_masked_longest_first_and_blank_values_are_ignored()
    {
        var redactor = new SecretRedactor();
        redactor.Add("abc");
        redactor.Add("abcdef");
        redactor.Add("   ");
        redactor.Add(null);
        Assert.Equal("x *** y *** z", redactor.Redact("x abcdef y abc z"));
        Assert.Equal(2, redactor.Values.Count);
    }

    [Fact]
    public void Console_output_of_targets_is_redacted_even_when_a_secret_is_written_in_pieces()
    {
        var redactor = new SecretRedactor();
        redactor.Add("p4ssw0rd");
        using var output = new MemoryStream();
        using (var pump = new ConsolePump(output, Stream.Null, redactor))
        {
            pump.Output.Write("user=admin pass=p4s");
            pump.Output.Write("sw0rd");
            pump.Output.WriteLine();
            pump.Output.Write('p');
            pump.Output.Write("4ssw0rd at the end without a newline");
            Assert.True(pump.Drain(TimeSpan.FromSeconds(30)));
        }
        Assert.Equal("user=admin pass=***" + Environment.NewLine + "*** at the end without a newline", ConsolePump.Encoding.GetString(output.ToArray()));
    }

    [Fact]
    public async Task Writers_never_wait_for_an_output_nobody_reads_and_the_drain_gives_up()
    {
        using var blocked = new BlockedStream();
        using var pump = new ConsolePump(blocked, blocked, new SecretRedactor());
        var writing = Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                pump.Output.WriteLine($"line {i}");
                pump.Error.WriteLine($"error {i}");
            }
        }, TestContext.Current.CancellationToken);
        // A writer that waited for the blocked output would time this out.
        await writing.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.False(pump.Drain(TimeSpan.FromMilliseconds(200)));
        blocked.Release();
        Assert.True(pump.Drain(TimeSpan.FromSeconds(30)));
        Assert.Equal(20_000, blocked.Lines);
    }

    /// <summary>A pipe whose reader stopped reading, until released.</summary>
    private sealed class BlockedStream : Stream
    {
        private readonly ManualResetEventSlim _open = new();
        private int _lines;

        public int Lines => Volatile.Read(ref _lines);

        public void Release() => _open.Set();

        public override void Write(byte[] buffer, int offset, int count)
        {
            _open.Wait();
            Interlocked.Add(ref _lines, buffer.AsSpan(offset, count).Count((byte)'\n'));
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => 0;

        public override long Position { get => 0; set { } }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _open.Set();
            if (disposing)
            {
                _open.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
