namespace Kiln.Targets;

/// <summary>Base class of a build: targets are its <see cref="Target"/> properties and those of the components it implements.</summary>
public abstract class KilnBuild : IKilnBuild
{
    private BuildSession? _session;

    public BuildSession Session => _session ?? throw new InvalidOperationException("The build has not been started by a host: run it with KilnHost.RunAsync.");

    /// <summary>The repository root (the nearest directory upwards with a .git), where relative paths start.</summary>
    public string RootDirectory => Session.RootDirectory;

    internal void Attach(BuildSession buildSession) => _session = buildSession;
}
