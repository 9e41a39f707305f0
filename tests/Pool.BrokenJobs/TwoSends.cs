using Pool.Worker.Jobs;

// Two classes named Send in two namespaces: a payload {"class":"Send"} could mean either.

namespace Pool.BrokenJobs.Billing
{
    public sealed class Send : IJob
    {
        public void Perform(string invoice) => _ = invoice;
    }
}

namespace Pool.BrokenJobs.Mail
{
    public sealed class Send : IJob
    {
        public void Perform(string address) => _ = address;
    }
}
