/**
 * Training from a network description: turning a planner {@code NetworkSpec} into a distributed
 * {@code NetworkDef}, the synthetic PDE data set, and the training loop behind {@code spatialconv train}.
 */
package org.spatialconv.perfmodel.train;
