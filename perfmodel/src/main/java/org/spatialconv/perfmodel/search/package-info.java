/**
 * The strategy search: one {@link org.spatialconv.perfmodel.cost.Grid} per layer minimizing the predicted
 * iteration time subject to memory per rank, by dynamic programming over the series-parallel network DAG
 * (series and parallel reductions of min-plus matrices, so residual and U-Net skip branches are exact), and
 * {@link org.spatialconv.perfmodel.search.Plan}, the evaluated result with its per-layer breakdown.
 */
package org.spatialconv.perfmodel.search;
