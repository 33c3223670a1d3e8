namespace Kiln.Communicators;

/// <summary>
/// Where and as whom to reach a machine over SSH, and how long to wait for it to answer. It logs in with the private
/// key (when <see cref="PrivateKeyPath"/> is not empty) and with <see cref="Password"/> (password and
/// keyboard-interactive authentication), whichever the server accepts.
/// </summary>
internal sealed record SshEndpoint(string Host, int Port, string Username, string PrivateKeyPath)
{
    /// <summary>How long to wait for the first connection, and for each reconnection after a disconnect.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A login password, a secret: also what <c>sudo -S</c> is fed when a command needs root and the user is not.</summary>
    public string? Password { get; init; }

    /// <summary>Run commands on a pseudo-terminal (for sudoers with <c>requiretty</c>); stdout and stderr then arrive as one stream.</summary>
    public bool Pty { get; init; }

    /// <summary>A jump host the connection goes through.</summary>
    public SshBastion? Bastion { get; init; }

    public bool HasKey => !string.IsNullOrEmpty(PrivateKeyPath);

    public override string ToString() => Bastion is null ? $"{Username}@{Host}:{Port}" : $"{Username}@{Host}:{Port} via {Bastion}";
}
