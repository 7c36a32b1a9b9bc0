# ruff: noqa  -- written in the SB2 / gym 0.17 style on purpose (legacy idioms kept verbatim)
"""B9/B10/B11: policy_kwargs with tf activations, custom FeedForwardPolicy subclasses, registered policies,
and the parameter API with SB2 names."""
import gym
import tensorflow as tf

from stable_baselines import PPO2
from stable_baselines.common.policies import FeedForwardPolicy, register_policy
from stable_baselines.common.vec_env import DummyVecEnv

# Custom MLP policy of two layers of size 32 each with tanh activation function
policy_kwargs = dict(act_fun=tf.nn.tanh, net_arch=[32, 32])
model = PPO2("MlpPolicy", "CartPole-v1", policy_kwargs=policy_kwargs, verbose=0, n_steps=32)
env = model.get_env()
model.learn(total_timesteps=64)
model.save("ppo2-cartpole")
del model
# the policy_kwargs are automatically loaded
model = PPO2.load("ppo2-cartpole")
print("RESULT net_arch", model.policy_kwargs["net_arch"])
print("RESULT relu_cloudpickle", end=" ")
model2 = PPO2("MlpPolicy", "CartPole-v1", policy_kwargs=dict(act_fun=tf.nn.relu), n_steps=32)
model2.save("ppo2-relu.pkl", cloudpickle=True)
print(PPO2.load("ppo2-relu.pkl").policy_kwargs["act_fun"].__name__)


class CustomPolicy(FeedForwardPolicy):
    def __init__(self, *args, **kwargs):
        super(CustomPolicy, self).__init__(*args, **kwargs,
                                           net_arch=[dict(pi=[128, 128, 128], vf=[128, 128, 128])],
                                           feature_extraction="mlp")


env = gym.make('CartPole-v1')  # the docs use LunarLander-v2
env = DummyVecEnv([lambda: env])
model = PPO2(CustomPolicy, env, verbose=0, n_steps=32)
model.learn(total_timesteps=64)
model.save("a2c-lunar")
del model
# When loading a model with a custom policy you MUST pass explicitly the policy when loading the saved model
model = PPO2.load("a2c-lunar", policy=CustomPolicy)
print("RESULT custom_params", len(model.get_parameters()))

register_policy('CustomPolicy', CustomPolicy)
model = PPO2(policy='CustomPolicy', env='CartPole-v1', verbose=0, n_steps=32).learn(total_timesteps=64)

# Evolution-strategy style access (B11)
model = PPO2('MlpPolicy', 'CartPole-v1', ent_coef=0.0, learning_rate=0.1, policy_kwargs={'net_arch': [8, ]})
mean_params = dict((key, value) for key, value in model.get_parameters().items()
                   if ("/pi/" in key or "/shared" in key))
print("RESULT es_keys", sorted(mean_params))
model.load_parameters(mean_params, exact_match=False)
try:
    tf.layers.dense
except NotImplementedError as err:
    print("RESULT tf_error", str(err).split(" is not supported")[0])
