using System.Reflection;
using Kiln.Model;

namespace Kiln.Targets;

/// <summary>
/// Runs the plan in order. A failure stops the build unless the target proceeds after failure; assured targets
/// still run; a cancelled token aborts the running target and runs nothing more.
/// </summary>
internal sealed class BuildExecutor(HostOutput output, TimeProvider time, BuildInterrupts interrupts, BuildSession? session = null)
{
    private readonly Lock _gate = new();
    private (ExecutableTarget Target, long Started)? _running;

    public async Task<IReadOnlyList<TargetResult>> RunAsync(ExecutionPlan plan, CancellationToken cancellationToken)
    {
        interrupts.Attach(message => output.Line(message, Verbosity.Quiet), DescribeRunning);
        var results = new Dictionary<ExecutableTarget, TargetResult>();
        var stopped = false;
        foreach (var target in plan.Order)
        {
            var result = await RunOneAsync(target, plan, results, stopped, cancellationToken);
            results[target] = result;
            if (result.Status == TargetStatus.Failed && !target.Definition.IsProceedAfterFailure)
            {
                stopped = true;
            }
        }
        return [.. plan.Order.Select(target => results[target])];
    }

    private async Task<TargetResult> RunOneAsync(ExecutableTarget target, ExecutionPlan plan, Dictionary<ExecutableTarget, TargetResult> results, bool stopped, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new TargetResult(target.Name, TargetStatus.NotRun, TimeSpan.Zero, "build aborted");
        }

        if (plan.SkipReason(target) is { } reason)
        {
            return new TargetResult(target.Name, TargetStatus.Skipped, TimeSpan.Zero, reason);
        }

        var assured = target.Definition.IsAssuredAfterFailure;
        if (stopped && !assured)
        {
            return new TargetResult(target.Name, TargetStatus.NotRun, TimeSpan.Zero, "an earlier target failed");
        }

        if (!assured)
        {
            var blocked = target.Dependencies.Concat(target.TriggeredBy)
                .Where(results.ContainsKey)
                .FirstOrDefault(other => results[other].Status is TargetStatus.Failed or TargetStatus.NotRun or TargetStatus.Aborted);
            if (blocked is not null)
            {
                return new TargetResult(target.Name, TargetStatus.NotRun, TimeSpan.Zero, $"{blocked.Name} did not succeed");
            }
        }

        if (target.Definition.Actions.Count == 0 && target.Definition.DynamicConditions.Count == 0)
        {
            return new TargetResult(target.Name, TargetStatus.Collective, TimeSpan.Zero);
        }

        output.BeginTarget(target.Name);
        var started = time.GetTimestamp();
        lock (_gate)
        {
            _running = (target, started);
        }

        try
        {
            foreach (var condition in target.Definition.DynamicConditions)
            {
                if (!condition.Evaluate())
                {
                    output.Line($"Skipped: {condition.DisplayText} is false.");
                    return new TargetResult(target.Name, TargetStatus.Skipped, time.GetElapsedTime(started), $"condition false: {condition.DisplayText}");
                }
            }
            foreach (var action in target.Definition.Actions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await action(cancellationToken);
            }
            var status = target.Definition.Actions.Count == 0 ? TargetStatus.Collective : TargetStatus.Succeeded;
            return new TargetResult(target.Name, status, time.GetElapsedTime(started));
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested)
        {
            // Whatever the work threw while it was being cancelled, the cause is the cancellation.
            output.Error($"{target.Name} was aborted.", title: $"{target.Name} aborted");
            return new TargetResult(target.Name, TargetStatus.Aborted, time.GetElapsedTime(started), "aborted", exception);
        }
        catch (Exception exception)
        {
            var failure = Unwrap(exception);
            var (message, hint) = Describe(failure);
            output.Error($"{target.Name} failed: {message}", hint, $"{target.Name} failed");
            output.Line(failure.ToString(), Verbosity.Verbose);
            return new TargetResult(target.Name, TargetStatus.Failed, time.GetElapsedTime(started), message, failure);
        }
        finally
        {
            lock (_gate)
            {
                _running = null;
            }

            output.EndTarget();
        }
    }

    private string? DescribeRunning()
    {
        lock (_gate)
        {
            if (_running is not { } current)
            {
                return null;
            }

            var elapsed = time.GetElapsedTime(current.Started);
            var cleaning = session?.CleaningUp() ?? [];
            var target = $"{current.Target.Name} (for {Durations.Format(elapsed)})";
            return cleaning.Count == 0 ? target : $"{target}; still cleaning up {string.Join("; ", cleaning)}";
        }
    }

    /// <summary>The message and, for exceptions that carry one (KilnException and its kind), the Hint property.</summary>
    internal static (string Message, string? Hint) Describe(Exception exception)
    {
        var hint = exception.GetType().GetProperty("Hint", BindingFlags.Instance | BindingFlags.Public, null, typeof(string), [], null)?.GetValue(exception) as string;
        return (exception.Message, string.IsNullOrWhiteSpace(hint) ? null : hint);
    }

    internal static Exception Unwrap(Exception exception) => exception switch
    {
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        _ => exception,
    };
}
