using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Steps;

/// <summary>
/// Runs one provisioner entry the way every entry runs, under <c>provisioners:</c> and <c>verify:</c> alike:
/// <c>pause_before</c>, then each attempt bounded by <c>timeout</c>, retried up to <c>max_retries</c>.
/// Failures name the entry and where it was written.
/// </summary>
internal sealed class ProvisionerInvoker(RetryPolicy retry)
{
    public async Task RunAsync(ResolvedPlugin<ProvisionerConfig> entry, string section, BuildState state, CancellationToken cancellationToken)
    {
        var log = state.Context.Log;
        var label = Describe(entry, section);
        var provisioners = state.Context.Plugins.Provisioners;
        if (!provisioners.TryGetValue(entry.Type, out var provisioner))
        {
            throw new KilnException(
                $"{label}: no provisioner of type '{entry.Type}'",
                $"known provisioner types: {string.Join(", ", provisioners.Keys.Order(StringComparer.Ordinal))}");
        }

        var config = entry.Config;
        if (config.PauseBefore is { } pause && pause > TimeSpan.Zero)
        {
            log.Info($"pausing {Durations.Format(pause)} before {entry.Type}");
            await Task.Delay(pause, cancellationToken);
        }

        try
        {
            await retry.RunAsync(label, config.MaxRetries, log, ct => AttemptAsync(provisioner, entry, label, state, ct), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ProvisionerTimeoutException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new KilnException($"{label} failed: {ex.Message}", (ex as KilnException)?.Hint, ex);
        }
    }

    private static async Task AttemptAsync(
        IProvisioner provisioner, ResolvedPlugin<ProvisionerConfig> entry, string label, BuildState state, CancellationToken cancellationToken)
    {
        if (entry.Config.Timeout is not { } timeout || timeout <= TimeSpan.Zero)
        {
            await provisioner.RunAsync(entry.Config, state, cancellationToken);
            return;
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            await provisioner.RunAsync(entry.Config, state, attempt.Token);
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A timeout is a failure of this attempt, not a cancellation of the build: it may be retried.
            throw new ProvisionerTimeoutException($"{label} timed out after {Durations.Format(timeout)}", "raise its timeout: or make the work faster");
        }
    }

    public static string Describe(ResolvedPlugin<ProvisionerConfig> entry, string section) =>
        entry.Location is null ? $"{section} '{entry.Type}'" : $"{section} '{entry.Type}' ({entry.Location})";
}

/// <summary>An attempt that ran out of its <c>timeout:</c>; its message already names the entry.</summary>
internal sealed class ProvisionerTimeoutException(string message, string hint) : KilnException(message, hint);
