using System.Net;
using Amazon.EC2;
using Amazon.Runtime;
using Kiln.Engine;
using Polly;
using Polly.Retry;

namespace Kiln.Builders.Amazon;

/// <summary>
/// Runs EC2 calls with Kiln's retry policy: throttling and transient faults back off exponentially with jitter
/// and each retry is one log line; anything else becomes an <see cref="Ec2CallException"/> that names the call,
/// the region and EC2's code, with a hint where one helps.
/// </summary>
internal sealed class Ec2Call(IBuildLog log, int maxRetries, TimeSpan baseDelay)
{
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "RequestThrottled", "TooManyRequestsException",
        "InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable", "InsufficientInstanceCapacity",
    };

    public async Task<T> RunAsync<T>(string region, string action, Func<IAmazonEC2, CancellationToken, Task<T>> call, IAmazonEC2 client, CancellationToken cancellationToken)
    {
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, maxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = args => ValueTask.FromResult(maxRetries > 0 && IsTransient(args.Outcome.Exception, cancellationToken)),
                OnRetry = args =>
                {
                    log.Warn($"EC2 {action} in {region}: {Describe(args.Outcome.Exception)}; retry {args.AttemptNumber + 1} of {maxRetries} in {args.RetryDelay.TotalSeconds:0.#}s");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            return await pipeline.ExecuteAsync(async token => await call(client, token), cancellationToken);
        }
        catch (AmazonServiceException ex)
        {
            throw new Ec2CallException($"EC2 {action} in {region} failed: {Describe(ex)}", ex.ErrorCode, HintFor(ex, action), ex);
        }
        catch (AmazonClientException ex)
        {
            throw new Ec2CallException($"EC2 {action} in {region} failed: {ex.Message}", null,
                "Check the network path to the EC2 endpoint (or the endpoint: setting).", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new Ec2CallException($"EC2 {action} in {region} failed: {ex.Message}", null,
                "Check the network path to the EC2 endpoint (or the endpoint: setting).", ex);
        }
    }

    private static bool IsTransient(Exception? exception, CancellationToken cancellationToken) => exception switch
    {
        null => false,
        AmazonServiceException service => (service.ErrorCode is not null && TransientCodes.Contains(service.ErrorCode))
            || (int)service.StatusCode >= 500
            || service.StatusCode == HttpStatusCode.TooManyRequests,
        HttpRequestException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        AmazonClientException { InnerException: { } inner } => IsTransient(inner, cancellationToken),
        _ => false,
    };

    private static string Describe(Exception? exception) => exception switch
    {
        AmazonServiceException { ErrorCode: { } code } service => $"{code}: {service.Message}",
        null => "unknown error",
        _ => exception.Message,
    };

    private static string? HintFor(AmazonServiceException ex, string action) => ex.ErrorCode switch
    {
        "UnauthorizedOperation" => $"The credentials lack permission for ec2:{action}; see the IAM policy in the amazon-ebs docs.",
        "AuthFailure" or "InvalidClientTokenId" or "SignatureDoesNotMatch" => "The AWS credentials were rejected; check the access key, secret and clock.",
        "OptInRequired" => "The account is not subscribed to this region or AMI.",
        "InstanceLimitExceeded" or "VcpuLimitExceeded" => "Raise the EC2 service quota or choose a smaller instance_type.",
        _ => null,
    };
}
