namespace Kiln.Targets;

/// <summary>The running host's services, offered to the build and its components through <see cref="IKilnBuild.Session"/>.</summary>
public sealed class BuildSession
{
    private readonly HostOutput _output;
    private readonly ParameterSet _parameters;
    private readonly List<Func<IEnumerable<string>>> _cleanupReporters = [];

    internal BuildSession(HostOutput output, ParameterSet parameters, string rootDirectory)
    {
        _output = output;
        _parameters = parameters;
        RootDirectory = rootDirectory;
    }

    public string RootDirectory { get; }

    public HostKind Host => _output.Kind;

    public Verbosity Verbosity => _output.Verbosity;

    /// <summary>Secret parameter values; components register further secrets here and read them for their own redactors.</summary>
    public SecretRedactor Secrets => _output.Redactor;

    /// <summary>The targets named on the command line (or the default target).</summary>
    public IReadOnlyList<string> InvokedTargets { get; internal set; } = [];

    /// <summary>The targets of the plan that will run unless a dynamic condition or a failure stops them, in order.</summary>
    public IReadOnlyList<string> ScheduledTargets { get; internal set; } = [];

    public bool IsScheduled(string targetName) => ScheduledTargets.Contains(targetName, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Lets a component say what it is still cleaning up (image builds tearing down VMs, say); a second interrupt
    /// prints it beside the running target.
    /// </summary>
    public void DescribeCleanupWith(Func<IEnumerable<string>> describe)
    {
        lock (_cleanupReporters)
        {
            _cleanupReporters.Add(describe);
        }
    }

    internal IReadOnlyList<string> CleaningUp()
    {
        lock (_cleanupReporters)
        {
            return [.. _cleanupReporters.SelectMany(describe => describe())];
        }
    }

    public void Info(string message) => _output.Line(message);

    public void Debug(string message) => _output.Debug(message);

    public void Warning(string message) => _output.Warning(message);

    public void Error(string message, string? hint = null) => _output.Error(message, hint);

    /// <summary>A parameter's bound value by member name, converted to <typeparamref name="T"/>; default when not given.</summary>
    public T? GetParameter<T>(string name) => _parameters.Get<T>(name);
}
