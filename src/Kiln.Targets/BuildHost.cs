using Spectre.Console;

namespace Kiln.Targets;

/// <summary>
/// The host: parses the arguments, discovers targets and parameters, plans, runs and reports. It takes its console,
/// environment and clock as values, so tests drive it in-process; <see cref="KilnHost"/> wires it to the real process.
/// </summary>
public sealed class BuildHost(IAnsiConsole console, HostEnvironment environment, TimeProvider? timeProvider = null, SecretRedactor? redactor = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public BuildInterrupts Interrupts { get; } = new();

    public SecretRedactor Redactor { get; } = redactor ?? new SecretRedactor();

    /// <summary>The result of the last run that executed targets (null after --help, --plan or a usage error).</summary>
    public BuildResult? LastResult { get; private set; }

    public async Task<int> RunAsync<TBuild>(TBuild build, IReadOnlyList<string> args, Func<TBuild, Target>? defaultTarget = null, CancellationToken cancellationToken = default)
        where TBuild : KilnBuild
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(args);
        var output = new HostOutput(console, environment.Kind, Redactor);
        try
        {
            var declared = ParameterDiscovery.Discover(build.GetType());
            var flags = declared.Where(p => (Nullable.GetUnderlyingType(p.ValueType) ?? p.ValueType) == typeof(bool)).Select(p => p.Key).ToHashSet();
            var commandLine = CommandLine.Parse(args, key => BuiltInOptions.IsFlag(key) || flags.Contains(key));
            output.Verbosity = ReadVerbosity(commandLine);
            var buildName = build.GetType().Name;

            var graph = TargetGraph.Discover(build);
            var parameters = new ParameterSet(declared, commandLine, environment, Redactor);
            var session = new BuildSession(output, parameters, FindRoot(environment.WorkingDirectory));
            build.Attach(session);
            var fallback = defaultTarget is null ? null : graph.Find(defaultTarget(build));
            if (fallback is not null)
            {
                fallback.IsDefault = true;
            }

            if (commandLine.Has(BuiltInOptions.Help) || commandLine.Has("h"))
            {
                HelpWriter.Write(output, graph, declared, build, buildName);
                return ExitCodes.Success;
            }

            parameters.AssignTo(build);
            var invoked = ResolveInvoked(commandLine, graph, fallback);
            session.InvokedTargets = [.. invoked.Select(target => target.Name)];
            var plan = Planner.Plan(graph, invoked);
            var skip = commandLine.Find(BuiltInOptions.Skip);
            Planner.ApplySkip(plan, skip is null ? null : [.. skip.Values.SelectMany(CommandLine.SplitTargets).Select(name => FindTarget(graph, name))], skip is { Values.Count: 0 });
            Planner.ApplyStaticConditions(plan);
            session.ScheduledTargets = [.. plan.Order.Where(target => !plan.IsSkipped(target)).Select(target => target.Name)];

            if (commandLine.Has(BuiltInOptions.Plan))
            {
                var path = Path.Combine(session.RootDirectory, "output", "build-plan.mmd");
                PlanWriter.WriteFile(path, PlanWriter.Mermaid(graph, plan));
                PlanWriter.WriteText(output, plan, Path.GetRelativePath(environment.WorkingDirectory, path));
                return ExitCodes.Success;
            }

            CheckRequirements(plan, parameters);

            if (!commandLine.Has(BuiltInOptions.NoLogo))
            {
                output.Line($"Kiln build: {buildName} ({string.Join(" + ", session.InvokedTargets)})", Verbosity.Normal, output.Kind == HostKind.Terminal ? new Style(decoration: Decoration.Bold) : (Style?)null);
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Interrupts.Token);
            var started = _time.GetTimestamp();
            var results = await new BuildExecutor(output, _time, Interrupts, session).RunAsync(plan, linked.Token);
            var outcome = linked.IsCancellationRequested || results.Any(result => result.Status == TargetStatus.Aborted) ? BuildOutcome.Aborted
                : results.Any(result => result.Status == TargetStatus.Failed) ? BuildOutcome.Failed
                : BuildOutcome.Succeeded;
            var result = new BuildResult(outcome, results, _time.GetElapsedTime(started));
            LastResult = result;
            SummaryWriter.Write(output, result);
            AppendStepSummary(output, result);
            return result.ExitCode;
        }
        catch (UsageException exception)
        {
            output.Error(exception.Message, exception.Hint);
            return ExitCodes.Usage;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Last resort outside any target (e.g. a parameter setter threw): message and hint, the stack only when verbose.
            var failure = BuildExecutor.Unwrap(exception);
            var (message, hint) = BuildExecutor.Describe(failure);
            output.Error($"The build could not start: {message}", hint);
            output.Line(failure.ToString(), Verbosity.Verbose);
            return ExitCodes.Failure;
        }
    }

    private Verbosity ReadVerbosity(CommandLine commandLine)
    {
        IReadOnlyList<string>? values = commandLine.Find(BuiltInOptions.Verbosity)?.Values
            ?? (environment["KILN_VERBOSITY"] is { } fromEnvironment ? [fromEnvironment] : null);
        return values is null
            ? Verbosity.Normal
            : (Verbosity)ValueConverter.Convert(typeof(Verbosity), values, "--verbosity", isSecret: false)!;
    }

    private static List<ExecutableTarget> ResolveInvoked(CommandLine commandLine, TargetGraph graph, ExecutableTarget? fallback)
    {
        var names = commandLine.Targets.Concat(commandLine.Find(BuiltInOptions.Target)?.Values.SelectMany(CommandLine.SplitTargets) ?? []).ToList();
        if (names.Count == 0)
        {
            return fallback is null
                ? throw new UsageException("No target given and the build has no default target.", $"Name one: {Listed(graph)}.")
                : [fallback];
        }
        var invoked = new List<ExecutableTarget>();
        foreach (var name in names)
        {
            var target = FindTarget(graph, name);
            if (!invoked.Contains(target))
            {
                invoked.Add(target);
            }
        }
        return invoked;
    }

    private static ExecutableTarget FindTarget(TargetGraph graph, string name)
    {
        if (graph.Find(name) is { } target)
        {
            return target;
        }

        var closest = Names.Closest(name, graph.Targets.Select(t => t.Name));
        var list = $"Targets: {Listed(graph)}.";
        throw new UsageException($"Unknown target '{name}'.", closest is null ? list : $"Did you mean '{closest}'? {list}");
    }

    private static string Listed(TargetGraph graph) => string.Join(", ", graph.Targets.Where(t => !t.Definition.IsUnlisted).Select(t => t.Name));

    private static void CheckRequirements(ExecutionPlan plan, ParameterSet parameters)
    {
        var problems = new List<string>();
        var hints = new List<string>();
        foreach (var target in plan.Order.Where(target => !plan.IsSkipped(target)))
        {
            foreach (var requirement in target.Definition.Requirements)
            {
                if (requirement.IsMet())
                {
                    continue;
                }

                if (parameters.Find(requirement.DisplayText) is { } parameter)
                {
                    problems.Add($"Target '{target.Name}' requires the parameter {parameter.MemberName}.");
                    hints.Add($"Pass {parameter.OptionName} <value> or set {parameter.EnvironmentName}.");
                }
                else
                {
                    problems.Add($"Target '{target.Name}' requires '{requirement.DisplayText}', which is not set.");
                }
            }
        }
        if (problems.Count > 0)
        {
            throw new UsageException(string.Join("\n", problems), hints.Count == 0 ? null : string.Join("\n", hints.Distinct()));
        }
    }

    private void AppendStepSummary(HostOutput output, BuildResult result)
    {
        if (environment.Kind != HostKind.GitHubActions || environment["GITHUB_STEP_SUMMARY"] is not { } path)
        {
            return;
        }

        try
        {
            File.AppendAllText(path, SummaryWriter.Markdown(result, Redactor));
        }
        catch (IOException exception)
        {
            output.Warning($"Could not append the summary to $GITHUB_STEP_SUMMARY: {exception.Message}");
        }
        catch (UnauthorizedAccessException exception)
        {
            output.Warning($"Could not append the summary to $GITHUB_STEP_SUMMARY: {exception.Message}");
        }
    }

    private static string FindRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, ".git")) || File.Exists(Path.Combine(directory.FullName, ".git")))
            {
                return directory.FullName;
            }
        }
        return start;
    }
}
