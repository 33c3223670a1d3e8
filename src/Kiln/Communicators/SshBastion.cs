namespace Kiln.Communicators;

/// <summary>
/// A jump host the way Packer's ssh_bastion_* settings describe one: Kiln logs in to it and forwards a local port
/// through it to the machine. It logs in with a key, a password, or both. <see cref="Password"/> is a secret.
/// </summary>
internal sealed record SshBastion(string Host, int Port, string Username)
{
    public string? PrivateKeyPath { get; init; }

    public string? Password { get; init; }

    public override string ToString() => $"{Username}@{Host}:{Port}";
}
