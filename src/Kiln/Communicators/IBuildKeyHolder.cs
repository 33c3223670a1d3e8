using Kiln.Steps;

namespace Kiln.Communicators;

/// <summary>A build state that carries the build's temporary SSH key pair.</summary>
internal interface IBuildKeyHolder
{
    /// <summary>Set by <see cref="CreateBuildKeyStep{TState}"/>; null before it runs and after its cleanup.</summary>
    SshKeyPair? BuildKey { get; set; }

    /// <summary>
    /// Set when a builder's own step already took the build key out of the SSH user's authorized_keys (the QEMU
    /// builder's last layer seal): when it did, for the log. <see cref="RemoveBuildKeyStep{TState}"/> then has nothing to do.
    /// </summary>
    string? BuildKeyRemovedBy { get; set; }
}
