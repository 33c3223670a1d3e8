namespace Kiln.Targets.Tests.Support;

/// <summary>A clock that never moves, so every duration is 0:00 and output is comparable.</summary>
internal sealed class FrozenTime : TimeProvider
{
    public override long GetTimestamp() => 0;

    public override DateTimeOffset GetUtcNow() => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
