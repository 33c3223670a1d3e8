using Kiln.Steps;

namespace Kiln.Communicators;

/// <summary>A build state that carries the build's temporary SSH key pair.</summary>
internal interface IBuildKeyHolder
{
    /// <summary>Set by <see cref="CreateBuildKeyStep{TState}"/>; null before it runs and after its cleanup.</summary>
    SshKeyPair? BuildKey { get; set; }
}
