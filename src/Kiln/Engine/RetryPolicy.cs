using Kiln.Model;
using Polly;
using Polly.Retry;

namespace Kiln.Engine;

/// <summary>
/// Retries flaky work (a provisioner hitting a mirror, a cloud call) with exponential backoff and jitter, one log line
/// per retry. Cancellation of the caller's token is never retried.
/// </summary>
public sealed record RetryPolicy
{
    public static RetryPolicy Default { get; } = new();

    /// <summary>Delay before the first retry; later ones grow exponentially, with jitter so parallel builds do not retry in step.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Runs <paramref name="action"/>, retrying it up to <paramref name="maxRetries"/> times after a failure.</summary>
    public async Task RunAsync(
        string what, int maxRetries, IBuildLog log, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        await RunAsync<object?>(what, maxRetries, log, async ct =>
        {
            await action(ct);
            return null;
        }, cancellationToken);
    }

    public async Task<T> RunAsync<T>(
        string what, int maxRetries, IBuildLog log, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        if (maxRetries == 0)
        {
            return await action(cancellationToken);
        }

        var pipeline = new ResiliencePipelineBuilder<T>()
            .AddRetry(new RetryStrategyOptions<T>
            {
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = BaseDelay,
                MaxDelay = MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested)),
                OnRetry = args =>
                {
                    log.Warn($"{what} failed (attempt {args.AttemptNumber + 1} of {maxRetries + 1}): "
                        + $"{args.Outcome.Exception?.Message}; retrying in {Durations.Format(args.RetryDelay)}");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        return await pipeline.ExecuteAsync(async ct => await action(ct), cancellationToken);
    }
}
