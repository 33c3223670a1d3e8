using Kiln.Engine;

namespace Kiln.Builders.Amazon;

/// <summary>How patient a sweep is and where it reports; the defaults suit real EC2.</summary>
internal sealed record Ec2SweepOptions
{
    public IBuildLog Log { get; init; } = SilentLog.Instance;

    public IProgressSink Progress { get; init; } = SilentLog.Instance;

    public int MaxRetries { get; init; } = 8;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan InstanceTerminated { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan SecurityGroupDelete { get; init; } = TimeSpan.FromMinutes(5);

    private sealed class SilentLog : IBuildLog, IProgressSink, IProgressTask
    {
        public static readonly SilentLog Instance = new();

        public void Info(string message) { }

        public void Warn(string message) { }

        public void Error(string message) { }

        public void Verbose(string message) { }

        public void Output(string line, bool isError = false) { }

        public IProgressTask Start(string description, long? total = null) => this;

        public void Advance(long amount) { }

        public void SetTotal(long total) { }

        public void Dispose() { }
    }
}
