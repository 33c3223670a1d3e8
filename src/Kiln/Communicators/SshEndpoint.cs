namespace Kiln.Communicators;

/// <summary>Where and as whom to reach a machine over SSH, and how long to wait for it to answer.</summary>
public sealed record SshEndpoint(string Host, int Port, string Username, string PrivateKeyPath)
{
    /// <summary>How long to wait for the first connection, and for each reconnection after a disconnect.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(10);

    public override string ToString() => $"{Username}@{Host}:{Port}";
}
