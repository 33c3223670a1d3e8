namespace Kiln.Communicators;

/// <summary>A build state that can say where its machine listens for SSH, once the machine exists.</summary>
internal interface ISshTarget
{
    /// <summary>Null until the machine has an address (set by the builder's boot steps).</summary>
    SshEndpoint? SshEndpoint { get; }
}
